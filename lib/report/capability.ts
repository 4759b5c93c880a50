/** The capability table (model × task) and Banking77 per-class F1 rows. @module */
import { bandOf, type Bands, capabilityBand } from "./bands.ts";
import type { EvalRun, ResultSet } from "./load.ts";

/**
 * One row of the capability table: the latest summary of a model × format × quantization × task,
 * scores as fractions in [0, 1] with their 95 % intervals and each interval's method (Wilson for
 * accuracy, seeded BCa bootstrap for macro-F1), bands judged in percent. Macro-F1 averages over
 * the labels present in the sample's references (`macro_f1_labels` of `macro_f1_label_set`).
 */
export interface CapabilityRow {
  model_key: string;
  model_id: string;
  backend: string;
  format: string;
  quantization: string;
  task: string;
  n: number;
  planned: number;
  complete: boolean;
  /** What `accuracy` is for this task: `pass@1` (coding), else `accuracy`. */
  score_name: string;
  accuracy: number | null;
  accuracy_lo: number | null;
  accuracy_hi: number | null;
  accuracy_band: string | null;
  /** How the accuracy interval was made (`wilson`); null in summaries that do not say. */
  accuracy_ci_method: string | null;
  macro_f1: number | null;
  macro_f1_lo: number | null;
  macro_f1_hi: number | null;
  macro_f1_band: string | null;
  /** How the macro-F1 interval was made (`bca_bootstrap`); null in summaries that do not say. */
  macro_f1_ci_method: string | null;
  /** Labels macro-F1 averages over (present in the references); null when not stated. */
  macro_f1_labels: number | null;
  /** Labels of the task. */
  macro_f1_label_set: number | null;
  invalid_rate: number;
  error_rate: number;
  /** "ok", or what disagrees between the summary and its sample records. */
  check: string;
  run_id: string;
  config_hash: string;
  summary_file: string;
  records_file: string | null;
  /** Older summaries of the same model and task, not reported (space-separated). */
  superseded: string;
}

/** The columns of {@linkcode CapabilityRow}, in CSV order. */
export const CAPABILITY_COLUMNS = [
  "model_key",
  "model_id",
  "backend",
  "format",
  "quantization",
  "task",
  "n",
  "planned",
  "complete",
  "score_name",
  "accuracy",
  "accuracy_lo",
  "accuracy_hi",
  "accuracy_band",
  "accuracy_ci_method",
  "macro_f1",
  "macro_f1_lo",
  "macro_f1_hi",
  "macro_f1_band",
  "macro_f1_ci_method",
  "macro_f1_labels",
  "macro_f1_label_set",
  "invalid_rate",
  "error_rate",
  "check",
  "run_id",
  "config_hash",
  "summary_file",
  "records_file",
  "superseded",
] as const satisfies readonly (keyof CapabilityRow)[];

/** Options for {@linkcode capabilityTable}. */
export interface CapabilityTableOptions {
  /** Bands for accuracy and macro-F1; null: band columns left null. @default null */
  bands?: Bands | null;
}

function unitKey(s: EvalRun["summary"]): string {
  return [s.model_key, s.format, s.quantization, s.task, s.model_id, s.backend].join("\u0000");
}

/** The latest run per model × format × quantization × task, plus the ones it supersedes. */
export function latestEvalRuns(
  runs: readonly EvalRun[],
): { run: EvalRun; superseded: EvalRun[] }[] {
  const byUnit = new Map<string, EvalRun[]>();
  for (const r of runs) {
    const key = unitKey(r.summary);
    byUnit.set(key, [...(byUnit.get(key) ?? []), r]);
  }
  return [...byUnit.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, rs]) => {
    const sorted = [...rs].sort((a, b) =>
      a.summary.created_at < b.summary.created_at
        ? 1
        : a.summary.created_at > b.summary.created_at
        ? -1
        : 0
    );
    return { run: sorted[0], superseded: sorted.slice(1) };
  });
}

/** `pass@1` for a coding run (its settings name the metric), else `accuracy`. */
export function scoreName(s: EvalRun["summary"]): string {
  const metric = s.settings.metric;
  if (typeof metric === "string" && /^pass@\d+/.test(metric)) return metric.split(" ")[0];
  return s.task === "coding" ? "pass@1" : "accuracy";
}

/** The capability table of a result set. */
export function capabilityTable(
  results: Pick<ResultSet, "eval">,
  options: CapabilityTableOptions = {},
): CapabilityRow[] {
  const bands = options.bands ?? null;
  return latestEvalRuns(results.eval).map(({ run, superseded }) => {
    const s = run.summary;
    const m = s.metrics;
    const band = (metric: "accuracy" | "macro_f1", value: number | undefined) => {
      const b = bands ? capabilityBand(bands, s.task, metric) : null;
      return b && value !== undefined ? bandOf(value * 100, b)?.label ?? null : null;
    };
    return {
      model_key: s.model_key,
      model_id: s.model_id,
      backend: s.backend,
      format: s.format,
      quantization: s.quantization,
      task: s.task,
      n: m.n,
      planned: s.planned,
      complete: s.complete,
      score_name: scoreName(s),
      accuracy: m.accuracy?.value ?? null,
      accuracy_lo: m.accuracy?.ci95[0] ?? null,
      accuracy_hi: m.accuracy?.ci95[1] ?? null,
      accuracy_band: band("accuracy", m.accuracy?.value),
      accuracy_ci_method: m.accuracy?.ci_method ?? null,
      macro_f1: m.macro_f1?.value ?? null,
      macro_f1_lo: m.macro_f1?.ci95[0] ?? null,
      macro_f1_hi: m.macro_f1?.ci95[1] ?? null,
      macro_f1_band: band("macro_f1", m.macro_f1?.value),
      macro_f1_ci_method: m.macro_f1?.ci_method ?? null,
      macro_f1_labels: m.macro_f1?.labels_averaged ?? null,
      macro_f1_label_set: m.macro_f1?.label_set_size ?? null,
      invalid_rate: m.invalid_rate,
      error_rate: m.error_rate,
      check: run.check,
      run_id: s.run_id,
      config_hash: s.config_hash,
      summary_file: run.file,
      records_file: run.records_file,
      superseded: superseded.map((r) => r.file).join(" "),
    };
  });
}

/** One class of one model's classification run: F1 with its bootstrap interval. */
export interface PerClassRow {
  model_key: string;
  format: string;
  quantization: string;
  label: string;
  f1: number;
  f1_lo: number | null;
  f1_hi: number | null;
  /** How the F1 interval was made (`bca_bootstrap`); null in summaries that do not say. */
  f1_ci_method: string | null;
  support: number;
  run_id: string;
  config_hash: string;
}

/** Per-class F1 of the latest run of `task` (default banking77) for every model. */
export function perClassRows(
  results: Pick<ResultSet, "eval">,
  task = "banking77",
): PerClassRow[] {
  return latestEvalRuns(results.eval.filter((r) => r.summary.task === task)).flatMap(({ run }) =>
    (run.summary.per_class ?? []).map((c) => ({
      model_key: run.summary.model_key,
      format: run.summary.format,
      quantization: run.summary.quantization,
      label: c.label,
      f1: c.f1,
      f1_lo: c.f1_ci95?.[0] ?? null,
      f1_hi: c.f1_ci95?.[1] ?? null,
      f1_ci_method: c.f1_ci_method ?? null,
      support: c.support,
      run_id: run.summary.run_id,
      config_hash: run.summary.config_hash,
    }))
  );
}
