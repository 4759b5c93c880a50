/**
 * Statistics for benchmark results: pure functions over arrays with stated behaviour for small
 * n. Mean with a Student's t interval, median and p90 with seeded percentile bootstrap
 * intervals, proportions with Wilson intervals, and the classification metrics of the
 * capability evaluations (confusion matrix, per-class F1, macro-F1 with a bootstrap interval).
 *
 * Defaults follow the seed method: 95 % two-sided intervals, bootstrap seed 42, 2000 resamples.
 *
 * @example
 * ```ts
 * import { summarize, wilsonCi } from "./mod.ts";
 * const ttft = summarize([212, 198, 240, 205, 221]);
 * const accuracy = wilsonCi(41, 50); // { value: 0.82, ci95: [0.6920, 0.9023], ... }
 * ```
 * @module
 */
export { normalQuantile, tQuantile } from "./_distributions.ts";
export { median, p90, quantile } from "./_quantile.ts";
export { seededRandom } from "./_random.ts";
export { type MeanCi, meanCi, type MeanCiOptions } from "./_mean.ts";
export {
  type BootstrapCi,
  bootstrapCi,
  type BootstrapOptions,
  medianCi,
  p90Ci,
} from "./_bootstrap.ts";
export { type WilsonCi, wilsonCi, type WilsonCiOptions } from "./_wilson.ts";
export { type Estimate, summarize, type SummarizeOptions, type Summary } from "./_summary.ts";
export {
  type ClassificationOptions,
  type ClassScore,
  type ConfusionMatrix,
  confusionMatrix,
  macroF1,
  macroF1Ci,
  type MacroF1CiOptions,
  perClassF1,
} from "./_classification.ts";
export {
  type DifferenceCi,
  type MeanSd,
  newcombeFromIntervals,
  proportionDifferenceCi,
  welchDifferenceCi,
  welchFromSummaries,
} from "./_difference.ts";
