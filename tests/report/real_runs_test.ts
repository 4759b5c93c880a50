/**
 * The report built from real runs of the embedded engine (stories260K): perf, eval and compliance
 * CLIs write one results folder, shared by the tests of this file; `deno task report` turns it
 * into every file of the seed, and the tables agree with the records and summaries.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pl from "nodejs-polars";
import { summarizePerf } from "../../lib/perf/mod.ts";
import { EvalSummarySchema, PerfRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { RiskAnalysisSchema } from "../../lib/compliance/mod.ts";
import { runCli } from "../helpers/mod.ts";
import { visit } from "./_chromium.ts";

async function must(script: string, args: string[]): Promise<string> {
  const out = await runCli(script, args);
  assert.equal(out.code, 0, `${script} ${args.join(" ")}\n${out.stdout}\n${out.stderr}`);
  return out.stdout + out.stderr;
}

const root = await Deno.makeTempDir({ prefix: "report-real-" });
const results = join(root, "results");
const output = join(root, "report");
const figures = join(root, "figures");
let reportLog = "";
const ready = (async () => {
  await must("lib/cli/perf.ts", [
    "--models",
    "stories260k",
    "--runs",
    "3",
    "--warmup",
    "1",
    "--scenarios",
    "interactive_assistant,json_extraction",
    "--results-dir",
    results,
  ]);
  await must("lib/cli/eval.ts", [
    "--task",
    "banking77",
    "--model",
    "stories260k",
    "--sample-size",
    "10",
    "--results-dir",
    results,
  ]);
  await must("lib/cli/compliance.ts", [
    "--models",
    "stories260k",
    "--limit",
    "1",
    "--max-tokens",
    "16",
    "--results-dir",
    results,
    "--output-dir",
    join(root, "compliance_run"),
  ]);
  reportLog = await must("lib/cli/report.ts", [
    "--input",
    results,
    "--output",
    output,
    "--format",
    "all",
    "--compliance",
    "--figures-dir",
    figures,
  ]);
})();

const filesIn = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("deno task report on real runs writes the seed's files, CSV and Parquet tables, figures and compliance JSONs", async () => {
  await ready;
  const names = filesIn(output);
  for (
    const pattern of [/^benchmark_report_\d{8}_\d{6}\.md$/, /^benchmark_report_\d{8}_\d{6}\.html$/]
  ) {
    assert.ok(names.some((n) => pattern.test(n)), `${pattern} in ${names}`);
  }
  for (
    const n of [
      "performance_results",
      "capability_results",
      "compliance_results",
      "efficiency",
      "runs",
    ]
  ) {
    assert.ok(
      names.includes(`${n}.csv`) && names.includes(`${n}.parquet`),
      `${n}.csv/.parquet in ${names}`,
    );
    const csv = pl.readCSV(join(output, `${n}.csv`));
    assert.equal(pl.readParquet(join(output, `${n}.parquet`)).height, csv.height, n);
  }
  const compliance = filesIn(join(output, "compliance"));
  assert.ok(
    compliance.some((n) => /^risk_analysis_\d{8}_\d{6}\.json$/.test(n)),
    String(compliance),
  );
  assert.ok(
    compliance.some((n) => /^license_audit_\d{8}_\d{6}\.json$/.test(n)),
    String(compliance),
  );
  // One SVG and one PNG per drawn figure (figures without data are not written: each is one
  // line of the report instead), the TTFT, tokens/s and compliance figures among them.
  const figs = filesIn(figures);
  const drawn = [...reportLog.matchAll(/\[Figure\] (\S+)\.svg \+ \.png/g)].length;
  assert.ok(drawn >= 5, reportLog);
  assert.equal(figs.filter((n) => n.endsWith(".svg")).length, drawn);
  assert.equal(figs.filter((n) => n.endsWith(".png")).length, drawn);
  for (
    const id of ["ttft_by_model_scenario", "output_tps_by_model_scenario", "compliance_heatmap"]
  ) {
    assert.ok(figs.includes(`${id}.svg`) && figs.includes(`${id}.png`), `${id} in ${figs}`);
  }
  assert.match(reportLog, /Done in/);
});

Deno.test("the performance table of real runs agrees with summarizePerf over the same records", async () => {
  await ready;
  const table = pl.readCSV(join(output, "performance_results.csv")).toRecords() as Record<
    string,
    unknown
  >[];
  assert.equal(table.length, 2);
  for (const row of table) {
    const file = String(row.files);
    const { records } = await readJsonl(file, PerfRecordSchema);
    const s = summarizePerf(records);
    assert.equal(row.scenario, s.scenario);
    assert.equal(row.n, s.n);
    assert.equal(row.succeeded, s.succeeded);
    const close = (a: unknown, b: number | null) =>
      assert.ok(Math.abs(Number(a) - b!) < 1e-9 * Math.max(1, Math.abs(b!)), `${a} vs ${b}`);
    close(row.ttft_ms, s.ttft_ms.mean.value);
    close(row.ttft_ms_lo, s.ttft_ms.mean.ci95![0]);
    close(row.output_tps_hi, s.output_tokens_per_s.mean.ci95![1]);
    close(row.e2e_ms, s.e2e_ms.mean.value);
    close(row.peak_ram_gib_max, s.peak_rss_bytes! / 1024 ** 3);
    assert.match(String(row.run_ids), /^perf_/);
  }
});

Deno.test("the capability and compliance tables of real runs are the summary's and the risk analysis's numbers", async () => {
  await ready;
  const [cap] = pl.readCSV(join(output, "capability_results.csv")).toRecords() as Record<
    string,
    unknown
  >[];
  const summary = EvalSummarySchema.parse(
    JSON.parse(await Deno.readTextFile(String(cap.summary_file))),
  );
  assert.deepEqual([cap.task, cap.n, cap.accuracy, cap.check], [
    "banking77",
    summary.metrics.n,
    summary.metrics.accuracy!.value,
    "ok",
  ]);
  const dir = join(output, "compliance");
  const analysisFile = (filesIn(dir)).find((n) => n.startsWith("risk_analysis_"))!;
  const analysis = RiskAnalysisSchema.parse(
    JSON.parse(await Deno.readTextFile(join(dir, analysisFile))),
  );
  const rows = pl.readCSV(join(output, "compliance_results.csv")).toRecords() as Record<
    string,
    unknown
  >[];
  const model = analysis.models.find((m) => m.model_key === "stories260k")!;
  for (const risk of model.risks) {
    const row = rows.find((r) => r.model_key === "stories260k" && r.risk === risk.id)!;
    assert.equal(row.residual, risk.residual.score, risk.id);
  }
  assert.ok(["LLM01", "LLM10"].every((id) => rows.some((r) => r.risk === id)));
});

Deno.test("the report of real runs opens in headless Chromium without console errors", async () => {
  await ready;
  const html = (filesIn(output)).find((n) => n.endsWith(".html"))!;
  await visit(pathToFileURL(join(output, html)).href, async (page) => {
    // Every figure of the page is drawn (its SVG has a size), one per figure file.
    const [figuresShown, drawnFigures] = await page.evaluate<[number, number]>(
      `(() => { const f = [...document.querySelectorAll("figure")].filter((x) => x.querySelector("svg"));
        return [f.length, f.filter((x) => x.querySelector("svg").getBoundingClientRect().width > 0).length]; })()`,
    );
    assert.equal(drawnFigures, figuresShown);
    assert.equal(figuresShown, filesIn(figures).filter((n) => n.endsWith(".svg")).length);
    assert.deepEqual(page.consoleErrors, []);
  });
});
