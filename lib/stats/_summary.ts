/** One call that describes a sample the way the performance summary reports it. @module */
import { medianCi, p90Ci } from "./_bootstrap.ts";
import type { CiMethod } from "./_ci_method.ts";
import { meanBootstrapCi, type MeanBootstrapOptions } from "./_mean_bootstrap.ts";
import { assertFiniteValues } from "./_validate.ts";

/**
 * Options for {@linkcode summarize}; the seed and resamples drive every bootstrap interval, and
 * `range` (e.g. `[0, Infinity]` for times) is checked on every value.
 */
export type SummarizeOptions = MeanBootstrapOptions;

/** A point estimate with its interval, the shape every summary metric uses. */
export interface Estimate {
  /** The point estimate; null when it is undefined for this n. */
  value: number | null;
  /** The interval at the summary's confidence level; null when it is undefined for this n. */
  ci95: [number, number] | null;
  /** How the interval was made (`bca_bootstrap`, `percentile_bootstrap`, `wilson`, ...). */
  ci_method: CiMethod;
}

/** What {@linkcode summarize} returns. */
export interface Summary {
  /** Number of values. */
  n: number;
  /** Mean with its BCa bootstrap interval (interval null for n < 2), inside the values' range. */
  mean: Estimate;
  /** Sample standard deviation (divisor n − 1); null for n < 2. */
  sd: number | null;
  /** Median with its percentile bootstrap interval (zero width for n = 1). */
  median: Estimate;
  /** 90th percentile (type 7) with its percentile bootstrap interval (zero width for n = 1). */
  p90: Estimate;
  /** Smallest value; null for n = 0. */
  min: number | null;
  /** Largest value; null for n = 0. */
  max: number | null;
  /** Confidence level of every interval. */
  confidence: number;
  /** Seed of every bootstrap interval. */
  seed: number;
  /** Resamples of every bootstrap interval. */
  resamples: number;
}

/**
 * Mean with a seeded BCa bootstrap interval (`meanBootstrapCi`: it never leaves the range of the
 * values, so a positive time never gets a negative bound), median and p90 with seeded percentile
 * bootstrap intervals, min, max and n; each interval names its method.
 * Whether higher is better depends on the measure (tokens/s: higher; TTFT: lower), so the
 * summary does not say; the caller's metric definition does.
 *
 * Small n: n = 0 gives every value and interval null; n = 1 gives the value everywhere, a null
 * mean interval and zero-width median and p90 intervals. Non-finite values throw a RangeError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./mod.ts";
 * const s = summarize([120, 95, 101, 130, 99]);
 * assert.deepEqual([s.n, s.mean.value, s.median.value, s.min, s.max], [5, 109, 101, 95, 130]);
 * ```
 */
export function summarize(values: readonly number[], options: SummarizeOptions = {}): Summary {
  assertFiniteValues(values, "summarize()");
  const mean = meanBootstrapCi(values, options);
  const median = medianCi(values, options);
  const p90 = p90Ci(values, options);
  let min: number | null = null;
  let max: number | null = null;
  for (const value of values) {
    if (min === null || value < min) min = value;
    if (max === null || value > max) max = value;
  }
  return {
    n: values.length,
    mean: { value: mean.mean, ci95: mean.ci95, ci_method: mean.method },
    sd: mean.sd,
    median: { value: median.estimate, ci95: median.ci95, ci_method: median.method },
    p90: { value: p90.estimate, ci95: p90.ci95, ci_method: p90.method },
    min,
    max,
    confidence: mean.confidence,
    seed: median.seed,
    resamples: median.resamples,
  };
}
