/**
 * Capability metrics over sample records. Definitions:
 * - `n`: samples recorded, errors included; records are de-duplicated by `sample_id` (the last
 *   attempt of a sample wins, so a retried error is superseded) and ordered by sample id, so the
 *   result does not depend on the order records were appended in (e.g. with --concurrency).
 * - `error_rate`: share of samples whose request failed; an error counts as incorrect.
 * - `invalid_rate`: share of samples with an answer that could not be mapped to the answer
 *   space (errors are not counted here, they have their own rate).
 * - Every interval names its method in `ci_method` (lib/stats `CiMethod`), stays inside the
 *   metric's range and contains its value.
 * - `invalid_reasons`: samples per cause (`no_label`, `several_labels`, `truncated`, `empty`,
 *   `error`; see `INVALID_REASONS`) with their share of n; the causes other than `error` add
 *   up to `invalid_rate`. Records without a recorded cause get it derived from their fields.
 * - `length_cut`, `length_cut_rate`: answers cut by max_tokens (`finish_reason: length`),
 *   valid or not, and their share of n.
 * - `accuracy`: correct / n with a Wilson 95 % interval. Higher is better.
 * - `macro_f1` (classification): unweighted mean F1 over the labels present in the sample's
 *   references (`labels_averaged` of the task's `label_set_size`; a label never predicted scores
 *   0, scikit-learn `zero_division=0`), with a seeded BCa bootstrap interval that averages each
 *   resample over its own present labels; per-class F1 with the same bootstrap; confusion matrix.
 * - Graded scores (ROUGE, embedding_cosine, share of checks passed): mean with a seeded BCa
 *   bootstrap interval (inside the scores' range); an error or an empty answer counts as 0.
 * - Pass rates per check: Wilson. Latency: mean with a BCa bootstrap interval, median and p90
 *   with percentile bootstrap intervals.
 * @module
 */
import { compareSampleIds } from "../datasets/mod.ts";
import {
  type EvalRecord,
  type EvalSummary,
  INVALID_REASONS,
  type InvalidReason,
  latestAttemptsBy,
  type ScoreEstimate,
} from "../results/mod.ts";
import { invalidReason } from "./_invalid.ts";
import {
  type CiMethod,
  confusionMatrix,
  macroF1Ci,
  meanBootstrapCi,
  perClassF1,
  perClassF1Ci,
  summarize,
  wilsonCi,
} from "../stats/mod.ts";

/** What the metrics need to know about the task. */
export interface MetricsTaskInfo {
  /** Closed label set (classification) or null. */
  labels: string[] | null;
  hasAccuracy: boolean;
  /** Secondary scores averaged with a bootstrap interval. */
  meanScores: string[];
}

/** Options for {@linkcode evalMetrics}. */
export interface EvalMetricsOptions {
  /** Bootstrap seed. @default 42 */
  seed?: number;
  /** Bootstrap resamples. @default 2000 */
  resamples?: number;
}

/** The computed parts of a summary. */
export type EvalMetrics = Pick<
  EvalSummary,
  "metrics" | "latency_ms" | "per_class" | "confusion" | "groups"
>;

/** One record per sample (its latest attempt), ordered by sample id. */
export function latestPerSample(records: readonly EvalRecord[]): EvalRecord[] {
  return latestAttemptsBy(records, (r) => r.sample_id)
    .sort((a, b) => compareSampleIds(a.sample_id, b.sample_id));
}

function estimate(
  value: number | null,
  ci: [number, number] | null,
  method: CiMethod,
): ScoreEstimate | undefined {
  if (value === null) return undefined;
  return { value, ci95: ci ?? [value, value], ci_method: method };
}

function wilson(successes: number, n: number): ScoreEstimate | undefined {
  const w = wilsonCi(successes, n);
  return estimate(w.value, w.ci95, w.method);
}

/** Mean of a graded score with its BCa bootstrap interval. */
function meanScore(values: number[], options: EvalMetricsOptions): ScoreEstimate | undefined {
  const m = meanBootstrapCi(values, { seed: options.seed ?? 42, resamples: options.resamples });
  return estimate(m.mean, m.ci95, m.method);
}

/** Metrics of a task's records (see the module documentation for every definition). */
export function evalMetrics(
  records: readonly EvalRecord[],
  task: MetricsTaskInfo,
  options: EvalMetricsOptions = {},
): EvalMetrics {
  const rows = latestPerSample(records);
  const seed = options.seed ?? 42;
  const n = rows.length;
  const errors = rows.filter((r) => r.error !== null).length;
  const invalid = rows.filter((r) => r.error === null && !r.valid).length;
  const lengthCut = rows.filter((r) => r.error === null && r.finish_reason === "length").length;
  const metrics: EvalMetrics["metrics"] = {
    n,
    invalid_rate: n === 0 ? 0 : invalid / n,
    error_rate: n === 0 ? 0 : errors / n,
    invalid,
    errors,
    invalid_reasons: invalidReasonCounts(rows),
    length_cut: lengthCut,
    length_cut_rate: n === 0 ? 0 : lengthCut / n,
  };
  if (task.hasAccuracy) {
    metrics.accuracy = wilson(rows.filter((r) => r.correct === true).length, n);
  }
  const out: EvalMetrics = {
    metrics,
    latency_ms: latency(rows, seed),
  };
  if (task.labels) {
    const labels = task.labels;
    const refs = rows.map((r) => r.reference);
    const preds = rows.map((r) => (r.error === null ? r.prediction : null));
    const f1 = macroF1Ci(refs, preds, { labels, seed, resamples: options.resamples });
    const f1Estimate = estimate(f1.estimate, f1.ci95, f1.method);
    if (f1Estimate) {
      metrics.macro_f1 = {
        ...f1Estimate,
        average: "labels present in the references",
        labels_averaged: f1.labels_averaged,
        label_set_size: f1.label_set_size,
      };
    }
    const classCis = perClassF1Ci(refs, preds, { labels, seed, resamples: options.resamples });
    out.per_class = perClassF1(refs, preds, { labels }).map((c, i) => ({
      ...c,
      f1_ci95: classCis[i].ci95,
      f1_ci_method: classCis[i].method,
    }));
    out.confusion = confusionMatrix(refs, preds, { labels });
  }
  for (const name of task.meanScores) {
    const values = rows.map((r) => (r.error !== null ? 0 : r.scores[name] ?? 0));
    const e = meanScore(values, options);
    if (e) metrics[name] = e;
  }
  const checkNames = [...new Set(rows.flatMap((r) => Object.keys(r.scores)))]
    .filter((k) => k.startsWith("check_")).sort();
  if (checkNames.length > 0) {
    const checks: Record<string, { n: number; pass_rate: ScoreEstimate | undefined }> = {};
    for (const name of checkNames) {
      const having = rows.filter((r) => typeof r.scores[name] === "number");
      checks[name.slice(6)] = {
        n: having.length,
        pass_rate: wilson(having.filter((r) => r.scores[name] === 1).length, having.length),
      };
    }
    metrics.checks = checks;
  }
  if (!task.hasAccuracy || task.meanScores.length > 0 || checkNames.length > 0) {
    const e = meanScore(rows.map((r) => (r.error !== null ? 0 : r.score ?? 0)), options);
    if (e) metrics.mean_score = e;
  }
  const cached = rows.filter((r) => r.cached_prompt_tokens !== null && r.prompt_tokens !== null);
  if (cached.length > 0) {
    const prompt = cached.reduce((s, r) => s + r.prompt_tokens!, 0);
    const hit = cached.reduce((s, r) => s + r.cached_prompt_tokens!, 0);
    metrics.prompt_cache = {
      prompt_tokens: prompt,
      cached_prompt_tokens: hit,
      share: prompt ? hit / prompt : null,
    };
  }
  const groups = [...new Set(rows.map((r) => r.group).filter((g): g is string => g !== null))]
    .sort();
  if (groups.length > 0) {
    out.groups = Object.fromEntries(groups.map((g) => {
      const inGroup = rows.filter((r) => r.group === g);
      return [g, {
        n: inGroup.length,
        accuracy: task.hasAccuracy
          ? wilson(inGroup.filter((r) => r.correct === true).length, inGroup.length) ?? null
          : null,
      }];
    }));
  }
  return out;
}

function invalidReasonCounts(
  rows: EvalRecord[],
): Record<InvalidReason, { count: number; rate: number }> {
  const counts = Object.fromEntries(INVALID_REASONS.map((k) => [k, 0])) as Record<
    InvalidReason,
    number
  >;
  for (const r of rows) {
    const reason = r.invalid_reason ?? invalidReason({
      error: r.error,
      valid: r.valid,
      rawOutput: r.raw_output,
      finishReason: r.finish_reason,
    });
    if (reason !== null) counts[reason]++;
  }
  const n = rows.length;
  return Object.fromEntries(
    INVALID_REASONS.map((k) => [k, { count: counts[k], rate: n === 0 ? 0 : counts[k] / n }]),
  ) as Record<InvalidReason, { count: number; rate: number }>;
}

function latency(rows: EvalRecord[], seed: number): EvalSummary["latency_ms"] {
  const values = rows.map((r) => r.latency_ms).filter((x): x is number =>
    x !== null && Number.isFinite(x)
  );
  const s = summarize(values, { seed });
  return { mean: s.mean, median: s.median, p90: s.p90 };
}
