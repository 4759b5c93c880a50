/** Everything the report shows, built from loaded result sets (no file is read or written here). @module */
import { type Bands } from "./bands.ts";
import {
  type CapabilityRow,
  capabilityTable,
  type PerClassRow,
  perClassRows,
} from "./capability.ts";
import { compareResultSets, type ComparisonRow } from "./compare.ts";
import { samplesBySummary } from "./_diff.ts";
import { type ComplianceAnalysis, type ComplianceRow, complianceTable } from "./compliance.ts";
import { efficiencyDefinition, type EfficiencyRow, efficiencyTable } from "./efficiency.ts";
import { type FormatComparisonRow, formatComparisonTable } from "./formats.ts";
import type { LoadWarning, ResultSet } from "./load.ts";
import { environmentSummary, type MethodologyRow, methodologyRows } from "./methodology.ts";
import { KEYS as PERFORMANCE_KEYS, type PerformanceRow, performanceTable } from "./performance.ts";
import { groupIndex } from "./_frame.ts";
import { type TradeoffRow, tradeoffRows } from "./tradeoffs.ts";
import { datasetLicenceRows, licenceRows, ratingsOf } from "../compliance/tables.ts";
import { emptyReason } from "./figures/_common.ts";
import { roundsBaselineFigure } from "./figures/rounds.ts";
import { sweepScatterFigure } from "./figures/scatter.ts";
import { type RoundsRow, roundsTable, sweepTable, type SweepTableRow } from "./rounds.ts";
import type { Selection } from "./select.ts";
import {
  type InvalidCauseRow,
  invalidCauseRows,
  mmluSubjectRows,
  type RealisticRow,
  realisticRows,
  type SubjectRow,
  type SummarizationRow,
  summarizationRows,
} from "./tasks.ts";
import { complianceHeatmapFigure } from "./figures/compliance_heatmap.ts";
import { formatPairFigure } from "./figures/format_pair.ts";
import { perClassF1Figure } from "./figures/per_class_f1.ts";
import { perfCiFigure } from "./figures/perf_ci.ts";
import type { FigureElement } from "../figures/mod.ts";
import { qualityMemoryFigure, speedAccuracyFigure } from "./figures/scatter.ts";
import { tradeoffsFigure } from "./figures/tradeoffs.ts";
import {
  type PercentileRow,
  percentileTable,
  type SweepCurves,
  sweepCurves,
  type ThroughputLatencyRow,
  throughputLatencyRows,
} from "./depth.ts";
import { sweepCurvesFigure, throughputLatencyFigure } from "./figures/depth.ts";

/** One figure of the report: its id (file name), title, caption and element. */
export interface ReportFigure {
  id: string;
  title: string;
  caption: string;
  element: FigureElement;
}

/** A figure left out for lack of data: the report prints its reason instead of a picture. */
export interface OmittedFigure {
  id: string;
  title: string;
  reason: string;
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
  /** Summarization: ROUGE and the semantic score per model. */
  summarization: SummarizationRow[];
  /** Realistic banking cases: pass rate per check and the mean score. */
  realistic: RealisticRow[];
  /** MMLU accuracy per subject. */
  subjects: SubjectRow[];
  /** Invalid answers by cause (and failed requests) per model and task. */
  invalidCauses: InvalidCauseRow[];
  /** Licence audit: one row per model, then one per dataset (empty without an assessment). */
  licences: Record<string, string | boolean>[];
  datasetLicences: Record<string, string | boolean>[];
  /** Optimization rounds against baseline. */
  rounds: RoundsRow[];
  /** Precision-vs-size sweeps. */
  sweep: SweepTableRow[];
  /** p50/p90/p99 of TTFT, ITL and E2E per performance row (and concurrency level). */
  percentiles: PercentileRow[];
  /** Length sweeps: curves per model and point, the TTFT fit per model. */
  lengthSweep: SweepCurves;
  /** Concurrency sweeps: aggregate tokens/s against per-request latency per level, knees marked. */
  throughputLatency: ThroughputLatencyRow[];
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
  /** Figures with data (written as files, numbered). */
  figures: ReportFigure[];
  /** Figures with nothing to draw: no file, a line in the report. */
  omittedFigures: OmittedFigure[];
  /** The runs a filter kept and left out (null: every run of the folder). */
  selection: Selection | null;
  /** How runs of one performance row are combined. */
  pool: "all" | "latest";
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
  /** The run filter applied to `results` (`selectRuns`), stated in the report. @default null */
  selection?: Selection | null;
  /** Several runs in one performance row: pool them (named with their n) or keep the latest. @default "all" */
  pool?: "all" | "latest";
}

/** Build every table and figure of the report from a loaded result set. */
export function buildReport(
  results: ResultSet,
  bands: Bands,
  options: BuildReportOptions = {},
): Report {
  const pool = options.pool ?? "all";
  // The performance and percentile tables group the same rows by the same keys: found once.
  const groups = groupIndex(results.perf, PERFORMANCE_KEYS);
  const performance = performanceTable(results, { bands, pool, groups });
  const capability = capabilityTable(results, { bands });
  const perClass = perClassRows(results, "banking77");
  const analysis = options.compliance ?? null;
  const compliance = complianceTable(analysis?.riskAnalysis ?? null, results);
  const samples = samplesBySummary(results.eval);
  const formats = formatComparisonTable(performance, capability, samples);
  const efficiency = efficiencyTable(performance, capability, bands.efficiency);
  const tradeoffs = tradeoffRows(efficiency, performance, capability, compliance, bands.efficiency);
  const baseline = options.baseline ?? null;
  const comparison = baseline
    ? {
      baseline: baseline.dir,
      rows: compareResultSets(
        {
          performance: performanceTable(baseline, { bands, pool }),
          capability: capabilityTable(baseline, { bands }),
          samples: samplesBySummary(baseline.eval),
        },
        { performance, capability, samples },
      ),
    }
    : null;
  const methodology = methodologyRows(results);
  const warnings = [...results.warnings, ...(baseline?.warnings ?? [])];
  const f = { document: options.document };
  const quality = `${
    bands.efficiency.quality_metric === "accuracy" ? "accuracy" : "macro-F1"
  } on ${bands.efficiency.quality_task}, %`;
  const rounds = roundsTable(results);
  const sweep = sweepTable(results);
  const percentiles = percentileTable(results, { groups });
  const lengthSweep = sweepCurves(results);
  const throughputLatency = throughputLatencyRows(performance, percentiles);
  const sweptModels = [...new Set(lengthSweep.points.map((p) => p.model_key))];
  const drawn: ReportFigure[] = options.figures === false ? [] : [
    {
      id: "ttft_by_model_scenario",
      title: "TTFT per model, scenario and round",
      caption:
        "Mean time to first token over measured requests (warm-ups excluded), with its 95 % BCa bootstrap interval (inside [0, ∞)); one panel per scenario, each on its own scale (logarithmic where the values span more than two decades); colour = optimization round.",
      element: perfCiFigure(performance, { ...f, metric: "ttft_ms" }),
    },
    {
      id: "output_tps_by_model_scenario",
      title: "Output tokens/s per model, scenario and round",
      caption:
        "Mean output tokens/s (1 / TPOT) over measured requests, with its 95 % BCa bootstrap interval; one panel per scenario; colour = optimization round.",
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
        "Parallel coordinates: each axis runs from the worst model (bottom) to the best (top); TTFT has one axis per scenario (scenarios are never averaged together).",
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
        "Residual score (likelihood × impact after mitigations) per model and OWASP Top 10 for LLM Applications 2025 item; pale dashed cells with * = prior likelihood (no probe measured it); ? = inconclusive (the instruction-following gate failed).",
      element: complianceHeatmapFigure(compliance, {
        ...f,
        ratings: analysis ? ratingsOf(analysis.riskAnalysis) : undefined,
      }),
    },
    {
      id: "rounds_vs_baseline_output_tps",
      title: "Optimization rounds vs baseline: output tokens/s",
      caption:
        "Change of mean output tokens/s against the baseline round of the same run, with Welch 95 % intervals, per scenario; the last panel is the quality subset (Newcombe interval).",
      element: roundsBaselineFigure(rounds, { ...f, metric: "output_tokens_per_s" }),
    },
    {
      id: "rounds_vs_baseline_ttft_ms",
      title: "Optimization rounds vs baseline: TTFT",
      caption: "As above, for the mean time to first token.",
      element: roundsBaselineFigure(rounds, { ...f, metric: "ttft_ms" }),
    },
    ...sweptModels.map((model) => ({
      id: `length_sweep_${model}`,
      title: `Length sweep: ${model}`,
      caption:
        "TTFT against prompt tokens (synthetic prompts of exact length, prompt cache off) with the least-squares line TTFT = overhead + cost × tokens, and decode tokens/s at each depth; dots are means, bars 95 % BCa intervals, one colour per output length.",
      element: sweepCurvesFigure(lengthSweep, { ...f, model }),
    })),
    {
      id: "throughput_latency",
      title: "Throughput against latency by concurrency",
      caption:
        "Aggregate output tokens/s against per-request p50 ITL and p50 TTFT at each concurrency level; the knee (red ring) is the level past which more concurrency buys little throughput for much latency (Kneedle on the scaled curve).",
      element: throughputLatencyFigure(throughputLatency, f),
    },
    {
      id: "sweep_speed_vs_quality",
      title: "Precision vs size: speed vs quality",
      caption:
        "Each model variant of the sweep on the baseline round: output tokens/s against quality, with 95 % intervals; dot area proportional to the GGUF file size.",
      element: sweepScatterFigure(sweep, f),
    },
  ];
  const figures: ReportFigure[] = [];
  const omittedFigures: OmittedFigure[] = [];
  for (const fig of drawn) {
    const reason = emptyReason(fig.element);
    if (reason === null) figures.push(fig);
    else omittedFigures.push({ id: fig.id, title: fig.title, reason });
  }
  return {
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    input: results.dir,
    bands,
    performance,
    capability,
    perClass,
    compliance,
    complianceAnalysis: analysis,
    summarization: summarizationRows(results),
    realistic: realisticRows(results),
    subjects: mmluSubjectRows(results),
    invalidCauses: invalidCauseRows(results),
    licences: analysis ? licenceRows(analysis.licenseAudit) : [],
    datasetLicences: analysis ? datasetLicenceRows(analysis.licenseAudit) : [],
    rounds,
    sweep,
    percentiles,
    lengthSweep,
    throughputLatency,
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
    omittedFigures,
    selection: options.selection ?? null,
    pool,
  };
}
