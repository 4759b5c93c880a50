/** Writing the report: Markdown, HTML, CSV, Parquet and the figures. @module */
import { join, relative } from "node:path";
import { fileStamp } from "../results/mod.ts";
import type { Report } from "./build.ts";
import { CAPABILITY_COLUMNS } from "./capability.ts";
import { writeFigure, type WrittenFigure } from "../figures/mod.ts";
import { tableFrame } from "./frame.ts";
import { displayTables } from "./display_tables.ts";
import { latexTable, reportLatex } from "./latex.ts";
import { reportHtml, reportMarkdown } from "./markdown.ts";
import { findChromium, type PdfPrinter, printPdf } from "./pdf.ts";
import { PERFORMANCE_COLUMNS } from "./performance.ts";

import { REPORT_FORMATS, type ReportFormat } from "./_report_formats.ts";
export { REPORT_FORMATS, type ReportFormat } from "./_report_formats.ts";

/** Options for {@linkcode writeReport}. */
export interface WriteReportOptions {
  /** Which files to write. @default every format */
  formats?: readonly ReportFormat[];
  /** Where the figures go (SVG + PNG). @default "<outputDir>/figures" */
  figuresDir?: string;
  /** Stamp of the report file names. @default the report's generation time */
  date?: Date;
  /** PNG pixels per SVG pixel. @default 2 */
  pngScale?: number;
  /** Link the HTML report's rows to the results viewer at this URL (see `ReportTextOptions.viewerUrl`). @default none */
  viewerUrl?: string;
  /** A `pdf` asked for by `all` only: skip it (with a note) when no Chromium is found. @default false: a missing Chromium throws */
  pdfOptional?: boolean;
  /** Browser for the PDF. @default findChromium() */
  chromium?: string;
  /**
   * A browser started earlier to print the PDF (the report command starts it while the tables are
   * computed: it takes about a second to start). @default one started when the PDF is printed
   */
  printer?: PdfPrinter;
}

/** What was written. */
export interface WrittenReport {
  /** Every file written (tables, reports), figures excluded. */
  files: string[];
  figures: WrittenFigure[];
  markdownPath: string | null;
  htmlPath: string | null;
  pdfPath: string | null;
  latexPath: string | null;
  /** Why an asked-for output was not written (e.g. no Chromium for the PDF). */
  notes: string[];
}

/** The tables written as CSV/Parquet: file stem → rows (and columns when rows may be empty). */
export function reportTables(
  report: Report,
): { name: string; rows: readonly object[]; columns?: readonly string[] }[] {
  const tables: { name: string; rows: readonly object[]; columns?: readonly string[] }[] = [
    { name: "performance_results", rows: report.performance, columns: PERFORMANCE_COLUMNS },
    { name: "capability_results", rows: report.capability, columns: CAPABILITY_COLUMNS },
    { name: "compliance_results", rows: report.compliance },
    { name: "gguf_vs_mlx", rows: report.formats },
    { name: "efficiency", rows: report.efficiency },
    { name: "banking77_per_class", rows: report.perClass },
    { name: "invalid_causes", rows: report.invalidCauses },
    { name: "mmlu_subjects", rows: report.subjects },
    { name: "summarization", rows: report.summarization },
    { name: "realistic_checks", rows: report.realistic },
    { name: "licence_audit", rows: report.licences },
    { name: "dataset_licences", rows: report.datasetLicences },
    { name: "rounds_vs_baseline", rows: report.rounds },
    { name: "sweep", rows: report.sweep },
    { name: "latency_percentiles", rows: report.percentiles },
    {
      name: "length_sweep",
      rows: report.lengthSweep.points.map((p) => ({
        model_key: p.model_key,
        prompt_tokens_target: p.prompt_tokens_target,
        output_tokens_target: p.output_tokens_target,
        n: p.n,
        prompt_tokens: p.prompt_tokens,
        prompt_exact: p.prompt_exact,
        output_tokens: p.output_tokens,
        ttft_ms: p.ttft_ms.value,
        ttft_ms_lo: p.ttft_ms.ci95?.[0] ?? null,
        ttft_ms_hi: p.ttft_ms.ci95?.[1] ?? null,
        prefill_tps: p.prefill_tokens_per_s.value,
        prefill_tps_lo: p.prefill_tokens_per_s.ci95?.[0] ?? null,
        prefill_tps_hi: p.prefill_tokens_per_s.ci95?.[1] ?? null,
        decode_tps: p.decode_tokens_per_s.value,
        decode_tps_lo: p.decode_tokens_per_s.ci95?.[0] ?? null,
        decode_tps_hi: p.decode_tokens_per_s.ci95?.[1] ?? null,
        peak_rss_bytes: p.peak_rss_bytes,
        joules_per_token: p.joules_per_token,
        run_ids: p.run_ids,
        config_hashes: p.config_hashes,
      })),
    },
    {
      name: "length_sweep_fit",
      rows: report.lengthSweep.fits.map((f) => ({
        model_key: f.model_key,
        n: f.n,
        overhead_ms: f.overhead_ms,
        overhead_ms_lo: f.intercept_ci95?.[0] ?? null,
        overhead_ms_hi: f.intercept_ci95?.[1] ?? null,
        ms_per_prompt_token: f.ms_per_prompt_token,
        ms_per_prompt_token_lo: f.slope_ci95?.[0] ?? null,
        ms_per_prompt_token_hi: f.slope_ci95?.[1] ?? null,
        implied_prefill_tps: f.implied_prefill_tokens_per_s,
        r2: f.r2,
        residual_sd_ms: f.residual_sd,
        ci_method: f.ci_method,
        prompt_tokens: f.prompt_tokens.join(" "),
        run_ids: f.run_ids,
        config_hashes: f.config_hashes,
      })),
    },
    { name: "throughput_latency", rows: report.throughputLatency },
    { name: "runs", rows: report.methodology },
  ];
  if (report.comparison) tables.push({ name: "comparison", rows: report.comparison.rows });
  return tables.filter((t) => t.rows.length > 0 || t.columns);
}

/**
 * Write the report into `outputDir`: `benchmark_report_<stamp>.md` and `.html`, one CSV and one
 * Parquet file per table (`performance_results.csv`, `capability_results.csv`, ...), and the
 * figures (SVG + PNG) when Markdown or HTML is asked for.
 */
export async function writeReport(
  report: Report,
  outputDir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const formats = new Set(options.formats ?? REPORT_FORMATS);
  const stamp = fileStamp(options.date ?? new Date(report.generatedAt));
  const figuresDir = options.figuresDir ?? join(outputDir, "figures");
  await Deno.mkdir(outputDir, { recursive: true });
  const files: string[] = [];
  const figures: WrittenFigure[] = [];
  const notes: string[] = [];
  let chromium = options.chromium ?? null;
  if (formats.has("pdf") && !options.printer) {
    chromium ??= findChromium();
    if (!chromium && options.pdfOptional) {
      formats.delete("pdf");
      notes.push(
        "PDF not written: no Chromium found (set CHROMIUM, or 'apt-get install chromium'; Google Chrome on macOS)",
      );
    }
  }
  let htmlPath: string | null = null;
  let pdfPath: string | null = null;
  let printing: Promise<void> | null = null;
  if (formats.has("html") || formats.has("pdf")) {
    htmlPath = join(outputDir, `benchmark_report_${stamp}.html`);
    await Deno.writeTextFile(htmlPath, reportHtml(report, { viewerUrl: options.viewerUrl }));
  }
  if (formats.has("pdf")) {
    pdfPath = join(outputDir, `benchmark_report_${stamp}.pdf`);
    // Printed from the HTML without viewer links (a PDF for the article links nowhere local).
    const printable = formats.has("html") && options.viewerUrl === undefined
      ? htmlPath!
      : join(outputDir, `.benchmark_report_${stamp}.print.html`);
    if (printable !== htmlPath) await Deno.writeTextFile(printable, reportHtml(report));
    // The HTML holds its figures inline: Chromium prints it while the PNGs are rendered here
    // (resvg in this thread; rendering them on its worker threads kept 15 MiB more for 0.1 s).
    const html = htmlPath!;
    printing = printPdf(printable, pdfPath, {
      chromium: chromium ?? undefined,
      printer: options.printer,
    }).finally(
      async () => {
        if (printable !== html) await Deno.remove(printable).catch(() => {});
        if (!formats.has("html")) await Deno.remove(html).catch(() => {});
      },
    );
    // Handled when awaited below; a failure before then must not be reported as unhandled.
    printing.catch(() => {});
  }
  try {
    if (formats.has("md") || formats.has("html") || formats.has("pdf")) {
      for (const f of report.figures) {
        figures.push(
          await writeFigure(f.element, figuresDir, { name: f.id, scale: options.pngScale }),
        );
      }
    }
  } finally {
    // The PDF's failure is the one reported if both fail; the print is never left running.
    if (printing) await printing;
  }
  let markdownPath: string | null = null;
  if (formats.has("md")) {
    markdownPath = join(outputDir, `benchmark_report_${stamp}.md`);
    const href = relative(outputDir, figuresDir) || ".";
    await Deno.writeTextFile(markdownPath, reportMarkdown(report, { figuresHref: href }));
    files.push(markdownPath);
  }
  if (formats.has("html")) files.push(htmlPath!);
  else htmlPath = null;
  if (pdfPath) files.push(pdfPath);
  let latexPath: string | null = null;
  if (formats.has("tex")) {
    latexPath = join(outputDir, `benchmark_tables_${stamp}.tex`);
    await Deno.writeTextFile(latexPath, reportLatex(report));
    files.push(latexPath);
    const dir = join(outputDir, "tables");
    await Deno.mkdir(dir, { recursive: true });
    for (const t of displayTables(report)) {
      const path = join(dir, `${t.id}.tex`);
      await Deno.writeTextFile(path, latexTable(t));
      files.push(path);
    }
  }
  if (formats.has("csv") || formats.has("parquet")) {
    for (const t of reportTables(report)) {
      const frame = tableFrame(t.rows, t.columns);
      if (formats.has("csv")) {
        const path = join(outputDir, `${t.name}.csv`);
        frame.writeCSV(path);
        files.push(path);
      }
      if (formats.has("parquet")) {
        const path = join(outputDir, `${t.name}.parquet`);
        frame.writeParquet(path);
        files.push(path);
      }
    }
  }
  return { files, figures, markdownPath, htmlPath, pdfPath, latexPath, notes };
}
