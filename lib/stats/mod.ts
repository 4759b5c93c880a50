/**
 * Statistics for benchmark results: pure functions over arrays with stated behaviour for small
 * n. Every interval stays inside its metric's range, contains its estimate and names its method
 * (`ci_method`): proportions with Wilson intervals; means of positive times and of bounded scores
 * with a seeded BCa bootstrap; median and p90 with a percentile bootstrap; the classification
 * metrics of the capability evaluations (confusion matrix, per-class F1, macro-F1 over the labels
 * present in the references with a BCa bootstrap); paired comparisons (McNemar / Tango, paired
 * bootstrap) and independent ones (Welch, Newcombe). A Student's t interval remains for
 * unbounded values (`meanCi`).
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
export { normalCdf, normalQuantile, tQuantile } from "./_distributions.ts";
export { CI_METHOD_LABELS, type CiMethod, ciMethodLabel } from "./_ci_method.ts";
export { median, p90, quantile, quantileOfSorted } from "./_quantile.ts";
export { seededRandom } from "./_random.ts";
export { type MeanCi, meanCi, type MeanCiOptions } from "./_mean.ts";
export { type LinearFit, linearFit, type LinearFitOptions } from "./_regression.ts";
export {
  bcaLevels,
  type BootstrapCi,
  bootstrapCi,
  type BootstrapCiOptions,
  type BootstrapMethod,
  type BootstrapOptions,
  medianCi,
  p90Ci,
} from "./_bootstrap.ts";
export {
  type MeanBootstrapCi,
  meanBootstrapCi,
  type MeanBootstrapOptions,
} from "./_mean_bootstrap.ts";
export { type WilsonCi, wilsonCi, type WilsonCiOptions } from "./_wilson.ts";
export { type Estimate, summarize, type SummarizeOptions, type Summary } from "./_summary.ts";
export {
  type ClassF1Ci,
  type ClassificationOptions,
  type ClassScore,
  type ConfusionMatrix,
  confusionMatrix,
  macroF1,
  type MacroF1Ci,
  macroF1Ci,
  type MacroF1CiOptions,
  macroF1DifferenceCi,
  type PairedDifferenceCi,
  perClassF1,
  perClassF1Ci,
} from "./_classification.ts";
export {
  mcnemarTest,
  type PairedCounts,
  pairedCounts,
  type PairedProportionDifferenceCi,
  pairedProportionDifferenceCi,
} from "./_paired.ts";
export {
  type DifferenceCi,
  type MeanSd,
  newcombeFromIntervals,
  proportionDifferenceCi,
  welchDifferenceCi,
  welchFromSummaries,
} from "./_difference.ts";
