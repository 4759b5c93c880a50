/**
 * Tables and figures for notebooks and the article. Load a results folder (perf JSONL streamed
 * into one Polars frame, capability summaries checked against their records, compliance records,
 * manifests; bad lines skipped with warnings naming file and line), build the performance,
 * capability, compliance, GGUF vs MLX, efficiency and comparison tables with the interpretation
 * bands of configs/bands.yaml, draw the figures headless (Plot + linkedom → SVG, resvg → PNG, both
 * carrying their run ids and config hashes), and write the report as Markdown, self-contained
 * HTML, CSV and Parquet.
 *
 * @example
 * ```ts ignore
 * import { buildReport, loadBands, loadResults, writeReport } from "./mod.ts";
 * const results = await loadResults("results");
 * const report = buildReport(results, await loadBands());
 * await writeReport(report, "report", { figuresDir: "figures" });
 * ```
 * @module
 */
export {
  type Displayable,
  displayable,
  formatCell,
  htmlTable,
  tableDisplay,
  textTable,
} from "./_display.ts";
export { perfFrame, type PerfRow, perfRows } from "./perf_table.ts";
export {
  type FigureElement,
  FONT_FAMILY,
  headlessDocument,
  svgString,
  svgToPng,
} from "../figures/mod.ts";
export {
  type Band,
  bandOf,
  bandRows,
  type Bands,
  BandSchema,
  BandsFileSchema,
  type BandVerdict,
  type CapabilityBand,
  capabilityBand,
  CapabilityBandSchema,
  DEFAULT_BANDS_PATH,
  loadBands,
  parseBands,
  performanceBand,
} from "./bands.ts";
export {
  type EvalRun,
  type LoadedComplianceRecord,
  type LoadedManifest,
  type LoadedRounds,
  type LoadedSweep,
  type LoadEvent,
  loadResults,
  type LoadResultsOptions,
  type LoadWarning,
  type ResultSet,
  type SampleOutcome,
} from "./load.ts";
export {
  PERFORMANCE_COLUMNS,
  type PerformanceRow,
  performanceTable,
  type PerformanceTableOptions,
} from "./performance.ts";
export {
  CAPABILITY_COLUMNS,
  type CapabilityRow,
  capabilityTable,
  type CapabilityTableOptions,
  latestEvalRuns,
  type PerClassRow,
  perClassRows,
  scoreName,
} from "./capability.ts";
export {
  type ComplianceAnalysis,
  complianceAnalysis,
  type ComplianceAnalysisOptions,
  complianceMatrix,
  type ComplianceRow,
  complianceTable,
} from "./compliance.ts";
export { type FormatComparisonRow, formatComparisonTable, PERF_METRICS } from "./formats.ts";
export {
  efficiencyDefinition,
  type EfficiencyRow,
  type EfficiencySettings,
  efficiencyTable,
} from "./efficiency.ts";
export { type TradeoffRow, tradeoffRows } from "./tradeoffs.ts";
export { type ComparableTables, compareResultSets, type ComparisonRow } from "./compare.ts";
export {
  capabilityDifference,
  type Difference,
  type MeanSd,
  newcombeDifference,
  normalDifferenceFromCi,
  pairedCapabilityDifference,
  type Proportion,
  type SamplesBySummary,
  samplesBySummary,
  welchDifference,
} from "./_diff.ts";
export {
  environmentSummary,
  type MethodologyRow,
  methodologyRows,
  usedRunIds,
} from "./methodology.ts";
export { tableFrame } from "./frame.ts";
export {
  buildReport,
  type BuildReportOptions,
  type OmittedFigure,
  type Report,
  type ReportComparison,
  type ReportFigure,
} from "./build.ts";
export { isEmptyFilter, type RunFilter, type Selection, selectRuns } from "./select.ts";
export {
  type InvalidCauseRow,
  invalidCauseRows,
  mmluSubjectRows,
  type RealisticRow,
  realisticRows,
  type SubjectRow,
  type SummarizationRow,
  summarizationRows,
} from "./tasks.ts";
export { type RoundsRow, roundsTable, sweepTable, type SweepTableRow } from "./rounds.ts";
export {
  type RoundsSummaryFile,
  RoundsSummaryFileSchema,
  type SweepFile,
  SweepFileSchema,
} from "./_derived.ts";
export { latexEscape, latexTable, reportLatex } from "./latex.ts";
export {
  findChromium,
  PdfError,
  PdfPrinter,
  type PdfPrinterOptions,
  printPdf,
  type PrintPdfOptions,
} from "./pdf.ts";
export { EMPTY_ATTRIBUTE, emptyReason } from "./figures/_common.ts";
export { bandLevels, type DisplayTable, displayTables, num, withCi } from "./display_tables.ts";
export {
  markdownTable,
  reportHtml,
  reportMarkdown,
  type ReportTextOptions,
  selectionLine,
  tableCaption,
} from "./markdown.ts";
export {
  REPORT_FORMATS,
  type ReportFormat,
  reportTables,
  writeReport,
  type WriteReportOptions,
  type WrittenReport,
} from "./write.ts";
export { type FigureOptions } from "./figures/_common.ts";
export {
  type FigureMetadata,
  METADATA_KEY,
  type SourcedRow,
  sourcesOf,
  svgMetadata,
} from "../figures/mod.ts";
export { type PngChunk, pngChunks, PngError, pngSize, pngText } from "../figures/mod.ts";
export { writeFigure, type WriteFigureOptions, type WrittenFigure } from "../figures/mod.ts";
export { perfCiFigure, type PerfCiFigureOptions, type PerfCiRow } from "./figures/perf_ci.ts";
export {
  type PercentileRow,
  percentileTable,
  type PercentileTableOptions,
  type SweepCurves,
  sweepCurves,
  type ThroughputLatencyRow,
  throughputLatencyRows,
} from "./depth.ts";
export {
  sweepCurvesFigure,
  type SweepCurvesFigureOptions,
  throughputLatencyFigure,
} from "./figures/depth.ts";
export { formatPairFigure, type FormatPairFigureOptions } from "./figures/format_pair.ts";
export {
  qualityMemoryFigure,
  type ScatterFigureOptions,
  speedAccuracyFigure,
  sweepScatterFigure,
} from "./figures/scatter.ts";
export { tradeoffsFigure } from "./figures/tradeoffs.ts";
export { perClassF1Figure } from "./figures/per_class_f1.ts";
export {
  roundsBaselineFigure,
  roundsEffectFigure,
  type RoundsEffectFigureOptions,
  sweepFigure,
} from "./figures/rounds.ts";
export {
  complianceHeatmapFigure,
  type ComplianceHeatmapOptions,
} from "./figures/compliance_heatmap.ts";

import { type Displayable, displayable, htmlTable, textTable } from "./_display.ts";
import type { DisplayTable } from "./display_tables.ts";
import { svgString } from "../figures/mod.ts";

/** An SVG element displayed as an image in Jupyter. */
export function figureDisplay(element: { outerHTML: string }): Displayable {
  const svg = svgString(element);
  return displayable({ "image/svg+xml": svg, "text/html": svg, "text/plain": "[figure]" });
}

/** A report table (formatted cells, note underneath) displayed in Jupyter. */
export function reportTableDisplay(table: DisplayTable): Displayable {
  const note = table.note ? `<p><em>${table.note.replaceAll("<", "&lt;")}</em></p>` : "";
  const html = table.rows.length
    ? htmlTable(table.rows, { columns: table.columns })
    : "<p>No results.</p>";
  return displayable({
    "text/html": `<h3>${table.title}</h3>\n${html}\n${note}`,
    "text/plain": `${table.title}\n${
      table.rows.length ? textTable(table.rows, { columns: table.columns }) : "No results."
    }${table.note ? `\n${table.note}` : ""}`,
  });
}
