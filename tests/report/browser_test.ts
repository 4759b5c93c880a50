/** The HTML report in headless Chromium: no console error, every figure drawn, no request out. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport, loadBands, loadResults, writeReport } from "../../lib/report/mod.ts";
import { decodePng, visit } from "./_chromium.ts";
import { writeScriptedSet } from "./_fixtures.ts";

Deno.test("the HTML report opens in headless Chromium with no console error, every figure drawn and a non-blank screenshot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-browser-" });
  await writeScriptedSet(join(dir, "results"));
  const report = buildReport(await loadResults(join(dir, "results")), await loadBands());
  const { htmlPath } = await writeReport(report, join(dir, "report"), { formats: ["html"] });
  const html = await Deno.readTextFile(htmlPath!);
  assert.doesNotMatch(
    html,
    /<script|https?:\/\/(?!www\.w3\.org)/,
    "self-contained: no script, no URL but the SVG namespace",
  );
  const url = pathToFileURL(htmlPath!).href;
  await visit(url, async (page) => {
    const figures = await page.evaluate<
      { id: string; width: number; height: number; marks: number }[]
    >(
      `[...document.querySelectorAll("figure")].map((f) => {
        const svg = f.querySelector("svg");
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        return { id: f.id, width: box.width, height: box.height, marks: svg ? svg.querySelectorAll("g, text").length : 0 };
      })`,
    );
    assert.deepEqual(figures.map((f) => f.id), report.figures.map((f) => `figure-${f.id}`));
    for (const f of figures) {
      assert.ok(f.width > 100 && f.height > 50, `${f.id} is drawn: ${f.width}×${f.height}`);
      assert.ok(f.marks > 0, `${f.id} has marks`);
    }
    const tables = await page.evaluate<number>(`document.querySelectorAll("table").length`);
    assert.ok(tables >= 6, `tables: ${tables}`);
    const png = await page.screenshot(1280, 900);
    const { width, height, channels, pixels } = await decodePng(png);
    assert.deepEqual([width, height], [1280, 900]);
    let dark = 0;
    const colours = new Set<number>();
    for (let i = 0; i < pixels.length; i += channels) {
      const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
      if (r + g + b < 600) dark++;
      colours.add((r << 16) | (g << 8) | b);
    }
    assert.ok(dark / (width * height) > 0.01, `screenshot has content: ${dark} dark pixels`);
    assert.ok(colours.size > 20, `screenshot has ${colours.size} colours`);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(
      page.requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:")),
      [],
    );
  });
});
