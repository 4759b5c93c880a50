/** Figures: valid SVG (resvg's strict XML parser reads it) and PNG of the expected size, both carrying their sources. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildReport,
  loadBands,
  loadResults,
  perfCiFigure,
  perfRows,
  pngChunks,
  PngError,
  pngSize,
  pngText,
  svgMetadata,
  svgToPng,
  writeFigure,
} from "../../lib/report/mod.ts";
import { summarizePerf } from "../../lib/perf/mod.ts";
import { perfLines, writeScriptedSet } from "./_fixtures.ts";

const dir = await Deno.makeTempDir({ prefix: "report-figures-" });
await writeScriptedSet(join(dir, "results"));
const report = buildReport(await loadResults(join(dir, "results")), await loadBands());

Deno.test("every figure is written as SVG and PNG: the PNG is 2× the SVG size, both name their runs and config hashes", async () => {
  assert.deepEqual(report.figures.map((f) => f.id), [
    "ttft_by_model_scenario",
    "output_tps_by_model_scenario",
    "gguf_vs_mlx_output_tps",
    "gguf_vs_mlx_ttft_ms",
    "speed_vs_accuracy",
    "quality_vs_memory",
    "tradeoffs_parallel",
    "banking77_per_class_f1",
  ]);
  for (const f of report.figures) {
    const written = await writeFigure(f.element, join(dir, "figures"), { name: f.id });
    const svg = await Deno.readTextFile(written.svgPath);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const w = Number(svg.match(/^<svg[^>]*\swidth="([\d.]+)"/)![1]);
    const h = Number(svg.match(/^<svg[^>]*\sheight="([\d.]+)"/)![1]);
    const png = await Deno.readFile(written.pngPath);
    assert.deepEqual(pngSize(png), { width: Math.round(2 * w), height: Math.round(2 * h) }, f.id);
    assert.ok(svgToPng(svg).length > 0, `${f.id}: resvg parses the SVG`);
    const meta = svgMetadata(svg)!;
    assert.equal(meta.figure, f.id);
    assert.deepEqual(JSON.parse(pngText(png)["edge-slm-bench"]), meta);
  }
  const ttft = svgMetadata(
    await Deno.readTextFile(join(dir, "figures", "ttft_by_model_scenario.svg")),
  )!;
  assert.deepEqual(ttft.run_ids, ["perf_run_gguf", "perf_run_mlx"]);
  assert.deepEqual(ttft.config_hashes, ["a".repeat(64), "b".repeat(64)]);
  const f1 = svgMetadata(
    await Deno.readTextFile(join(dir, "figures", "banking77_per_class_f1.svg")),
  )!;
  assert.deepEqual(f1.run_ids, ["eval_banking77_GGUF"]);
});

Deno.test("figures with no data are left out of the report with their reason (no empty picture)", () => {
  assert.deepEqual(report.omittedFigures.map((f) => [f.id, f.reason]), [
    ["compliance_heatmap", "no compliance assessment"],
    ["rounds_vs_baseline_output_tps", "no round measured against a baseline"],
    ["rounds_vs_baseline_ttft_ms", "no round measured against a baseline"],
    ["throughput_latency", "no scenario measured at two or more concurrency levels"],
    ["sweep_speed_vs_quality", "no sweep with quality"],
  ]);
});

Deno.test("the GGUF vs MLX figure draws both formats in a scenario panel, with a legend, and marks the significant difference", () => {
  const svg = report.figures.find((f) => f.id === "gguf_vs_mlx_output_tps")!.element.outerHTML;
  assert.match(svg, />Scenario: interactive_assistant</);
  assert.match(svg, />acme\/demo-3b \*</);
  assert.match(svg, />GGUF<\/text>/);
  assert.match(svg, />MLX<\/text>/);
});

Deno.test("perfCiFigure still draws perfRows(summarizePerf(...)) as notebook 01 does", () => {
  const { gguf } = perfLines();
  const svg = perfCiFigure(perfRows([summarizePerf(gguf)]), { metric: "ttft_ms" }).outerHTML;
  assert.match(svg, />demo_gguf</);
  assert.match(svg, />Scenario: interactive_assistant</);
  assert.match(svg, />200</, "the mean, printed right of the panel");
});

Deno.test("pngChunks() rejects a file that is not a PNG and a PNG with a broken CRC", () => {
  assert.throws(() => pngChunks(new Uint8Array([1, 2, 3])), PngError);
  const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  const broken = png.slice();
  broken[20] ^= 0xff;
  assert.throws(() => pngChunks(broken), {
    name: "PngError",
    message: /^Bad PNG: CRC mismatch in chunk IHDR at byte 8$/,
  });
});
