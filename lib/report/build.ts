/** Everything the report shows, built from loaded result sets (no file is read or written here). @module */
import { type Bands } from "./bands.ts";
import {
  type CapabilityRow,
  capabilityTable,
  type PerClassRow,
  perClassRows,
} from "./capability.ts";
import { compareResultSets, type ComparisonRow } from "./compare.ts";
import { type ComplianceAnalysis, type ComplianceRow, complianceTable } from "./compliance.ts";
import { efficiencyDefinition, type EfficiencyRow, efficiencyTable } from "./efficiency.ts";
import { type FormatComparisonRow, formatComparisonTable } from "./formats.ts";
import type { LoadWarning, ResultSet } from "./load.ts";
import { environmentSummary, type MethodologyRow, methodologyRows } from "./methodology.ts";
import { type PerformanceRow, performanceTable } from "./performance.ts";
import { type TradeoffRow, tradeoffRows } from "./tradeoffs.ts";
import { ratingsOf } from "../compliance/tables.ts";
import { complianceHeatmapFigure } from "./figures/compliance_heatmap.ts";
import { formatPairFigure } from "./figures/format_pair.ts";
import { perClassF1Figure } from "./figures/per_class_f1.ts";
import { perfCiFigure } from "./figures/perf_ci.ts";
import type { FigureElement } from "../figures/mod.ts";
import { qualityMemoryFigure, speedAccuracyFigure } from "./figures/scatter.ts";
import { tradeoffsFigure } from "./figures/tradeoffs.ts";

/** One figure of the report: its id (file name), title, caption and element. */
export interface ReportFigure {
  id: string;
  title: string;
  caption: string;
  element: FigureElement;
}

/** The comparison of the report's results (after) with a baseline set (before). */
export interface ReportComparison {
  baseline: string;
  rows: ComparisonRow[];
}

/** Every table and figure of the report. */
export interface Report {
  generatedAt: string;
  input: string;
  bands: Bands;
  performance: PerformanceRow[];
  capability: CapabilityRow[];
  perClass: PerClassRow[];
  compliance: ComplianceRow[];
  /** The assessment the compliance table came from (null when none was made). */
  complianceAnalysis: ComplianceAnalysis | null;
  formats: FormatComparisonRow[];
  efficiency: EfficiencyRow[];
  efficiencyDefinition: string;
  tradeoffs: TradeoffRow[];
  comparison: ReportComparison | null;
  methodology: MethodologyRow[];
  environment: { item: string; value: string }[];
  /** Files read, with records and skipped lines. */
  files: ResultSet["files"];
  warnings: LoadWarning[];
  figures: ReportFigure[];
}

/** Options for {@linkcode buildReport}. */
export interface BuildReportOptions {
  /** A compliance assessment of the same results (`complianceAnalysis()`). @default null: no compliance table */
  compliance?: ComplianceAnalysis | null;
  /** A baseline result set to compare with (before → these results). @default null */
  baseline?: ResultSet | null;
  /** Draw the figures. @default true */
  figures?: boolean;
  /** Document to draw into. @default a new linkedom document per figure */
  document?: unknown;
  /** Clock for the generation time. @default () => new Date() */
  now?: () => Date;
}

/** Build every table and figure of the report from a loaded result set. */
export function buildReport(
  results: ResultSet,
  bands: Bands,
  options: BuildReportOptions = {},
): Report {
  const performance = performanceTable(results, { bands });
  const capability = capabilityTable(results, { bands });
  const perClass = perClassRows(results, "banking77");
  const analysis = options.compliance ?? null;
  const compliance = complianceTable(analysis?.riskAnalysis ?? null, results);
  const formats = formatComparisonTable(performance, capability);
  const efficiency = efficiencyTable(performance, capability, bands.efficiency);
  const tradeoffs = tradeoffRows(efficiency, performance, capability, compliance, bands.efficiency);
  const baseline = options.baseline ?? null;
  const comparison = baseline
    ? {
      baseline: baseline.dir,
      rows: compareResultSets(
        {
          performance: performanceTable(baseline, { bands }),
          capability: capabilityTable(baseline, { bands }),
        },
        { performance, capability },
      ),
    }
    : null;
  const methodology = methodologyRows(results);
  const warnings = [...results.warnings, ...(baseline?.warnings ?? [])];
  const f = { document: options.document };
  const quality = `${
    bands.efficiency.quality_metric === "accuracy" ? "accuracy" : "macro-F1"
  } on ${bands.efficiency.quality_task}, %`;
  const figures: ReportFigure[] = options.figures === false ? [] : [
    {
      id: "ttft_by_model_scenario",
      title: "TTFT per model and scenario",
      caption:
        "Mean time to first token over measured requests (warm-ups excluded), with its 95 % t-interval.",
      element: perfCiFigure(performance, { ...f, metric: "ttft_ms" }),
    },
    {
      id: "output_tps_by_model_scenario",
      title: "Output tokens/s per model and scenario",
      caption: "Mean output tokens/s (1 / TPOT) over measured requests, with its 95 % t-interval.",
      element: perfCiFigure(performance, { ...f, metric: "output_tps" }),
    },
    {
      id: "gguf_vs_mlx_output_tps",
      title: "GGUF vs MLX: output tokens/s",
      caption:
        "The same model id in both formats, per scenario: means with 95 % intervals; * marks a Welch interval of MLX − GGUF that excludes 0.",
      element: formatPairFigure(formats, { ...f, metric: "output_tps" }),
    },
    {
      id: "gguf_vs_mlx_ttft_ms",
      title: "GGUF vs MLX: TTFT",
      caption: "As above, for TTFT.",
      element: formatPairFigure(formats, { ...f, metric: "ttft_ms" }),
    },
    {
      id: "speed_vs_accuracy",
      title: "Speed vs accuracy",
      caption:
        `Output tokens/s against quality (${quality}), one point per model, bars are 95 % intervals.`,
      element: speedAccuracyFigure(tradeoffs, { ...f, qualityLabel: `Quality (${quality})` }),
    },
    {
      id: "quality_vs_memory",
      title: "Quality vs peak memory",
      caption: `Largest per-request peak RAM against quality (${quality}).`,
      element: qualityMemoryFigure(tradeoffs, { ...f, qualityLabel: `Quality (${quality})` }),
    },
    {
      id: "tradeoffs_parallel",
      title: "Trade-offs",
      caption:
        "Parallel coordinates: each axis runs from the worst model (bottom) to the best (top).",
      element: tradeoffsFigure(tradeoffs, f),
    },
    {
      id: "banking77_per_class_f1",
      title: "Banking77 per-class F1",
      caption: "F1 per intent class in each model's latest Banking77 run.",
      element: perClassF1Figure(perClass, f),
    },
    {
      id: "compliance_heatmap",
      title: "Residual compliance risk",
      caption:
        "Residual score (likelihood × impact after mitigations) per model and OWASP Top 10 for LLM Applications 2025 item; * = prior likelihood (not measured).",
      element: complianceHeatmapFigure(compliance, {
        ...f,
        ratings: analysis ? ratingsOf(analysis.riskAnalysis) : undefined,
      }),
    },
  ];
  return {
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    input: results.dir,
    bands,
    performance,
    capability,
    perClass,
    compliance,
    complianceAnalysis: analysis,
    formats,
    efficiency,
    efficiencyDefinition: efficiencyDefinition(bands.efficiency),
    tradeoffs,
    comparison,
    methodology,
    environment: environmentSummary(methodology),
    files: results.files,
    warnings,
    figures,
  };
}
