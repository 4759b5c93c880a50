/** One call that describes a sample the way the performance summary reports it. @module */
import { type BootstrapOptions, medianCi, p90Ci } from "./_bootstrap.ts";
import { meanCi } from "./_mean.ts";
import { assertFiniteValues } from "./_validate.ts";

/** Options for {@linkcode summarize}; the seed and resamples drive both bootstrap intervals. */
export type SummarizeOptions = BootstrapOptions;

/** A point estimate with its interval, the shape every summary metric uses. */
export interface Estimate {
  /** The point estimate; null when it is undefined for this n. */
  value: number | null;
  /** The interval at the summary's confidence level; null when it is undefined for this n. */
  ci95: [number, number] | null;
}

/** What {@linkcode summarize} returns. */
export interface Summary {
  /** Number of values. */
  n: number;
  /** Mean with its Student's t interval (interval null for n < 2). */
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
  /** Seed of both bootstrap intervals. */
  seed: number;
  /** Resamples of both bootstrap intervals. */
  resamples: number;
}

/**
 * Mean with a t interval, median and p90 with seeded bootstrap intervals, min, max and n.
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
  const mean = meanCi(values, { confidence: options.confidence });
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
    mean: { value: mean.mean, ci95: mean.ci95 },
    sd: mean.sd,
    median: { value: median.estimate, ci95: median.ci95 },
    p90: { value: p90.estimate, ci95: p90.ci95 },
    min,
    max,
    confidence: mean.confidence,
    seed: median.seed,
    resamples: median.resamples,
  };
}
