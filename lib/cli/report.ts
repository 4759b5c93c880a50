// deno-lint-ignore-file no-console
/**
 * `deno task report --input results/ --output report/ --format md|html|csv|parquet|tex|pdf|all
 *  [--runs ID,...] [--since DATE] [--models KEYS] [--config-hash HASH,...] [--latest]
 *  [--compliance] [--figures-dir figures/] [--baseline DIR] [--bands FILE] [--config-dir DIR]`
 * @module
 */
import { join, relative, resolve } from "node:path";
// Plot, linkedom and resvg (about 70 MiB) are imported once the results are loaded (see below).
import type { ComplianceAnalysis } from "../report/mod.ts";
import { DEFAULT_BANDS_PATH, loadBands } from "../report/bands.ts";
import { loadResults } from "../report/load.ts";
import { REPORT_FORMATS, type ReportFormat } from "../report/_report_formats.ts";
import { isEmptyFilter, type RunFilter, selectRuns } from "../report/select.ts";
import { resolveOutputPath } from "../config/mod.ts";
import { isLoopbackHost } from "../viewer/_bind.ts";
import { loadProgress } from "../progress/mod.ts";
import { dirFlag, intFlag, parseFlags, runMain, UsageError } from "./_common.ts";
import { CliProgress, PROGRESS_OPTIONS, progressHelp, progressModeOf } from "./_progress.ts";

const HELP = `Usage: deno task report [options]

Turns everything under a results folder into the article's tables and figures.

  --input DIR          results folder (default: results/)
  --output DIR         where the report goes (default: report/)
  --format F           md, html, csv, parquet, tex (LaTeX booktabs tables), pdf (the HTML
                       printed by headless Chromium), all, or a comma-separated list (default:
                       all; with all, a missing Chromium skips the PDF with a note)
  --runs ID,...        only these runs (ids as in the Runs table)
  --since DATE         only runs started at or after DATE (2025-11-23 or an ISO time)
  --models KEYS        only runs of these model keys
  --config-hash H,...  only runs with these config hashes (or prefixes, 6+ hex digits)
  --latest             one run per performance row: the latest (default: pool the runs of a
                       row, each named with its n, flagged when their configs differ)
  --compliance         also (re)build report/compliance/risk_analysis_<stamp>.json and
                       license_audit_<stamp>.json from the recorded probe results
  --figures-dir DIR    where the SVG + PNG figures go (default: figures/)
  --baseline DIR       a second results folder (before) to compare --input (after) with
  --bands FILE         interpretation bands (default: configs/bands.yaml)
  --config-dir DIR     folder with the YAML configs (compliance.yaml, licenses.yaml, models.yaml)
  --max-warnings N     warnings printed in full (default: 20)
  --viewer-url URL     link the HTML report's rows to the results viewer there
                       (\`deno task view\`, e.g. http://127.0.0.1:8765): <URL>/run/<run id>
${progressHelp(23)}
  --help`;

function formatsOf(value: string): ReportFormat[] {
  const parts = value.split(",").map((s) => s.trim()).filter(Boolean);
  const out = new Set<ReportFormat>();
  for (const p of parts) {
    if (p === "all") REPORT_FORMATS.forEach((f) => out.add(f));
    else if ((REPORT_FORMATS as readonly string[]).includes(p)) out.add(p as ReportFormat);
    else {
      throw new UsageError(
        `Flag --format must be md, html, csv, parquet, tex, pdf or all: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  if (out.size === 0) {
    throw new UsageError(`Flag --format is empty: current value is ${JSON.stringify(value)}`);
  }
  return [...out];
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

const split = (v: string | undefined) =>
  v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);

/** The run filter of the flags (UsageError for a bad date or hash). */
function filterOf(values: Record<string, unknown>): RunFilter {
  const filter: RunFilter = {};
  const runs = split(values.runs as string | undefined);
  if (runs) filter.runs = runs;
  const models = split(values.models as string | undefined);
  if (models) filter.models = models;
  const hashes = split(values["config-hash"] as string | undefined);
  if (hashes) {
    const bad = hashes.find((h) => !/^[0-9a-f]{6,64}$/.test(h));
    if (bad !== undefined) {
      throw new UsageError(
        `Flag --config-hash takes config hashes or prefixes of at least 6 lower-case hex digits: current value is ${
          JSON.stringify(bad)
        }`,
      );
    }
    filter.configHashes = hashes;
  }
  if (values.since !== undefined) {
    const text = String(values.since);
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(date.getTime())) {
      throw new UsageError(
        `Flag --since must be a date (2025-11-23) or an ISO time: current value is ${
          JSON.stringify(text)
        }`,
      );
    }
    filter.since = date;
  }
  for (const [flag, list] of [["runs", filter.runs], ["models", filter.models]] as const) {
    if (list && list.length === 0) {
      throw new UsageError(`Flag --${flag} is empty: give comma-separated values`);
    }
  }
  return filter;
}

function selectionNote(selection: { kept: string[]; excluded: string[] }, filter: RunFilter) {
  if (isEmptyFilter(filter)) return null;
  return `Runs selected: ${selection.kept.length} kept, ${selection.excluded.length} left out`;
}

/** A temporary results folder holding the compliance files of the chosen runs only. */
async function complianceSubset(
  records: readonly { file: string; run_id: string }[],
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-report-compliance-" });
  for (const file of new Set(records.map((r) => r.file))) {
    const runs = new Set(records.filter((r) => r.file === file).map((r) => r.run_id));
    const lines = (await Deno.readTextFile(file)).split("\n").filter((l) => {
      try {
        return l.trim() !== "" && runs.has(JSON.parse(l).run_id);
      } catch {
        return false;
      }
    });
    await Deno.writeTextFile(join(dir, file.split("/").at(-1)!), lines.join("\n") + "\n");
  }
  return dir;
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    input: { type: "string" },
    output: { type: "string" },
    format: { type: "string", default: "all" },
    compliance: { type: "boolean" },
    "figures-dir": { type: "string" },
    baseline: { type: "string" },
    bands: { type: "string" },
    "config-dir": { type: "string" },
    "max-warnings": { type: "string", default: "20" },
    "viewer-url": { type: "string" },
    runs: { type: "string" },
    since: { type: "string" },
    models: { type: "string" },
    "config-hash": { type: "string" },
    latest: { type: "boolean" },
    ...PROGRESS_OPTIONS,
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const formats = formatsOf(values.format);
  const filter = filterOf(values);
  // Flags are relative to the working directory; the defaults live in the project (or under
  // $EDGE_BENCH_OUTPUT_DIR when a headless notebook run set it).
  const input = values.input ? resolve(values.input) : resolveOutputPath("results");
  const output = resolve(dirFlag("output", values.output) ?? resolveOutputPath("report"));
  const figuresDir = resolve(
    dirFlag("figures-dir", values["figures-dir"]) ?? resolveOutputPath("figures"),
  );
  const configDir = dirFlag("config-dir", values["config-dir"], { mustExist: true });
  for (const [flag, dir] of [["input", input], ["baseline", values.baseline]] as const) {
    if (dir !== undefined && !await isDir(dir)) {
      throw new UsageError(
        `Flag --${flag} must be a results folder: current value is ${
          JSON.stringify(dir)
        } (not a folder)`,
      );
    }
  }
  const viewerUrl = values["viewer-url"];
  if (viewerUrl !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(viewerUrl);
    } catch { /* reported below */ }
    if (!url || url.protocol !== "http:" || !isLoopbackHost(url.hostname)) {
      throw new UsageError(
        `Flag --viewer-url must be the viewer's http://127.0.0.1:<port> address (loopback): current value is ${
          JSON.stringify(viewerUrl)
        }`,
      );
    }
  }
  const maxWarnings = intFlag("max-warnings", values["max-warnings"], { min: 0 })!;
  const mode = progressModeOf(values);
  const rel = (p: string) => relative(Deno.cwd(), p) || ".";
  const t0 = performance.now();
  const bands = await loadBands(values.bands ?? DEFAULT_BANDS_PATH);
  // Reading a large results folder takes a while: its bytes are the progress.
  const load = async (dir: string) => {
    const progress = new CliProgress("report", loadProgress(), mode);
    try {
      return await loadResults(dir, { onEvent: (e) => progress.event(e) });
    } finally {
      progress.stop();
    }
  };
  const loaded = await load(input);
  const { results, selection } = selectRuns(loaded, filter);
  if (!isEmptyFilter(filter) && selection.kept.length === 0) {
    throw new UsageError(
      `No run of ${rel(input)} matches the filter (${
        args.filter((a) => /^--(runs|since|models|config-hash)/.test(a)).join(" ") ||
        JSON.stringify(filter)
      }): runs there are ${selection.excluded.slice(0, 12).join(", ")}${
        selection.excluded.length > 12 ? ", …" : ""
      }`,
    );
  }
  const baseline = values.baseline ? await load(resolve(values.baseline)) : null;
  const { buildReport, complianceAnalysis, findChromium, PdfPrinter, writeReport } = await import(
    "../report/mod.ts"
  );
  // Chromium takes about a second to start: it starts now and waits while the tables are built.
  const chromium = formats.includes("pdf") ? findChromium() : null;
  const printer = chromium ? new PdfPrinter(chromium) : null;
  const steps = new CliProgress("report", null, mode);
  let compliance: ComplianceAnalysis | null = null;
  let written;
  try {
    if (values.compliance || results.compliance.length > 0) {
      steps.activity("compliance analysis");
      const dir = isEmptyFilter(filter) ? input : await complianceSubset(results.compliance);
      try {
        compliance = await complianceAnalysis(dir, {
          outputDir: values.compliance ? join(output, "compliance") : null,
          configDir,
        });
      } finally {
        if (dir !== input) await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
    steps.activity("building the tables and figures");
    const report = buildReport(results, bands, {
      compliance,
      baseline,
      selection: isEmptyFilter(filter) ? null : selection,
      pool: values.latest ? "latest" : "all",
    });
    steps.activity(`writing ${formats.join(", ")} and the figures`);
    written = {
      report,
      ...await writeReport(report, output, {
        formats,
        figuresDir,
        viewerUrl,
        printer: printer ?? undefined,
        pdfOptional: values.format.split(",").map((s) => s.trim()).includes("all") &&
          !values.format.split(",").map((s) => s.trim()).includes("pdf"),
      }),
    };
  } finally {
    steps.stop();
    await printer?.close();
  }
  const { report } = written;
  console.log(
    `Report from ${
      rel(input)
    }: ${results.perf.height} perf record(s), ${results.eval.length} capability run(s), ${results.compliance.length} compliance record(s), ${results.manifests.length} manifest(s)`,
  );
  console.log(
    `Tables: performance ${report.performance.length} row(s), capability ${report.capability.length}, compliance ${report.compliance.length}, GGUF vs MLX ${report.formats.length}, efficiency ${report.efficiency.length}${
      report.comparison ? `, comparison ${report.comparison.rows.length}` : ""
    }`,
  );
  const selected = selectionNote(selection, filter);
  if (selected) console.log(selected);
  for (const f of written.files) console.log(`[Saved] ${rel(f)}`);
  for (const n of written.notes) console.error(`note: ${n}`);
  for (const f of report.omittedFigures) {
    console.log(`[No figure] ${f.title}: ${f.reason}`);
  }
  for (const f of written.figures) {
    console.log(`[Figure] ${rel(f.svgPath)} + .png (${f.width}×${f.height})`);
  }
  if (compliance?.riskAnalysisPath) console.log(`[Saved] ${rel(compliance.riskAnalysisPath)}`);
  if (compliance?.licenseAuditPath) console.log(`[Saved] ${rel(compliance.licenseAuditPath)}`);
  if (report.warnings.length) {
    console.error(
      `${report.warnings.length} warning(s) while loading (bad lines and files were skipped):`,
    );
    for (const w of report.warnings.slice(0, maxWarnings)) {
      console.error(
        `  warning: ${rel(w.file)}${w.line === null ? "" : `:${w.line}`}: ${w.message}`,
      );
    }
    if (report.warnings.length > maxWarnings) {
      console.error(
        `  … and ${report.warnings.length - maxWarnings} more (see the report's Warnings section)`,
      );
    }
  }
  console.log(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
