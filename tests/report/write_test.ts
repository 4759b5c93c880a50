/**
 * Writing the report: the PDF is printed by the real headless Chromium while the figures' PNGs are
 * rendered, so the files it leaves, their order and a failed print are checked here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildReport, loadBands, loadResults, writeReport } from "../../lib/report/mod.ts";
import { PdfError, PdfPrinter } from "../../lib/report/pdf.ts";
import { writeScriptedSet } from "./_fixtures.ts";

async function scriptedReport() {
  const dir = await Deno.makeTempDir({ prefix: "report-write-" });
  await writeScriptedSet(join(dir, "results"));
  return { dir, report: buildReport(await loadResults(join(dir, "results")), await loadBands()) };
}

const DATE = new Date(Date.UTC(2025, 10, 23, 10, 0, 0));

Deno.test("a PDF alone: printed while the PNGs render, no HTML left behind, every figure written", async () => {
  const { dir, report } = await scriptedReport();
  const out = join(dir, "report");
  const written = await writeReport(report, out, { formats: ["pdf"], date: DATE });
  assert.equal(written.htmlPath, null);
  assert.deepEqual(written.files, [written.pdfPath]);
  const pdf = await Deno.readFile(written.pdfPath!);
  assert.equal(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.deepEqual(names, ["benchmark_report_20251123_100000.pdf", "figures"]);
  assert.equal(written.figures.length, report.figures.length);
  for (const f of written.figures) {
    const png = await Deno.readFile(f.pngPath);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], f.pngPath);
  }
});

Deno.test("Markdown, HTML and PDF with viewer links: files in that order, the links-free print copy removed", async () => {
  const { dir, report } = await scriptedReport();
  const out = join(dir, "report");
  const written = await writeReport(report, out, {
    formats: ["md", "html", "pdf"],
    date: DATE,
    viewerUrl: "http://127.0.0.1:8766/",
  });
  assert.deepEqual(written.files, [written.markdownPath, written.htmlPath, written.pdfPath]);
  assert.match(await Deno.readTextFile(written.htmlPath!), /127\.0\.0\.1:8766/);
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.deepEqual(names, [
    "benchmark_report_20251123_100000.html",
    "benchmark_report_20251123_100000.md",
    "benchmark_report_20251123_100000.pdf",
    "figures",
  ]);
});

Deno.test("a print that fails is reported as a PdfError after the figures are written, and leaves no HTML it was not asked for", async () => {
  const { dir, report } = await scriptedReport();
  const out = join(dir, "report");
  await assert.rejects(
    writeReport(report, out, { formats: ["md", "pdf"], date: DATE, chromium: "/bin/false" }),
    (e: unknown) =>
      e instanceof PdfError &&
      /\/bin\/false .*exited \(code 1\) before opening its DevTools port/.test(e.message),
  );
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  // The Markdown comes after the print (it was not written); the figures were.
  assert.deepEqual(names, ["figures"]);
  const figures = [...Deno.readDirSync(join(out, "figures"))].map((e) => e.name);
  assert.equal(figures.filter((n) => n.endsWith(".png")).length, report.figures.length);
});

Deno.test("a printer started early prints two reports on the same browser, on landscape Letter pages, and leaves no profile", async () => {
  const { dir, report } = await scriptedReport();
  const printer = new PdfPrinter(Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium");
  try {
    for (const name of ["one", "two"]) {
      const written = await writeReport(report, join(dir, name), {
        formats: ["pdf"],
        date: DATE,
        printer,
      });
      const pdf = new TextDecoder("latin1").decode(await Deno.readFile(written.pdfPath!));
      assert.ok(pdf.startsWith("%PDF-"));
      assert.match(pdf, /MediaBox \[0 0 792 612\]/);
    }
  } finally {
    await printer.close();
  }
  await assert.rejects(printer.print(join(dir, "x.html"), join(dir, "x.pdf")), PdfError);
  assert.ok(printer.profile, "the browser had a profile folder");
  await assert.rejects(Deno.stat(printer.profile!), Deno.errors.NotFound);
});

Deno.test("a closed printer leaves nothing pending: the process that used it ends at once (a 3 s fallback timer once kept it alive)", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_printer_exit.ts", import.meta.url).pathname],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("closed")) {
    const { value, done } = await reader.read();
    if (done) break;
    said += value;
  }
  const closedAt = performance.now();
  await reader.cancel();
  const status = await child.status;
  const lingered = performance.now() - closedAt;
  assert.ok(said.includes("closed"), `the subprocess said ${JSON.stringify(said)}`);
  assert.equal(status.code, 0);
  // Exiting takes tens of milliseconds; the timer kept it 3,000 ms.
  assert.ok(lingered < 2000, `the process lived ${lingered.toFixed(0)} ms after closing`);
});

Deno.test("a browser that cannot be started is a PdfError naming it, from print(); close() still ends cleanly", async () => {
  const printer = new PdfPrinter("/nonexistent/chromium");
  await assert.rejects(
    printer.print("/tmp/none.html", "/tmp/none.pdf"),
    (e: unknown) => e instanceof PdfError && /Cannot run \/nonexistent\/chromium/.test(e.message),
  );
  await printer.close();
});
