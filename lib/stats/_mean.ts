/** Mean with a Student's t confidence interval. @module */
import { tQuantile } from "./_distributions.ts";
import { assertConfidence, assertFiniteValues } from "./_validate.ts";

/** Options for {@linkcode meanCi}. */
export interface MeanCiOptions {
  /**
   * Two-sided confidence level of the interval.
   * @default {0.95}
   */
  confidence?: number;
}

/** A mean, its sample standard deviation and its t interval. */
export interface MeanCi {
  /** Number of values. */
  n: number;
  /** Arithmetic mean; null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (divisor n − 1); null when n < 2. */
  sd: number | null;
  /**
   * Two-sided t interval `mean ± t(1 − α/2, n − 1)·sd/√n` at `confidence` (named ci95 after the
   * default level); null when n < 2, where the interval is undefined.
   */
  ci95: [number, number] | null;
  /** The confidence level the interval was computed at. */
  confidence: number;
}

/**
 * Mean of `values` with a Student's t confidence interval (two-sided, 95 % by default).
 *
 * Small n: n = 0 gives `mean`, `sd` and `ci95` null; n = 1 gives the mean but `sd` and `ci95`
 * null, because one value carries no information about spread (a zero-width interval would
 * claim certainty that is not there). Identical values give a zero-width interval.
 * Non-finite values throw a RangeError naming the index and value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanCi } from "./mod.ts";
 * const { mean, ci95 } = meanCi([10, 12, 14]);
 * // mean 12, sd 2, ci95 = 12 ± 4.302653·2/√3 = [7.031725, 16.968275]
 * assert.equal(mean, 12);
 * assert.deepEqual(ci95?.map((x) => x.toFixed(6)), ["7.031725", "16.968275"]);
 * ```
 */
export function meanCi(values: readonly number[], options: MeanCiOptions = {}): MeanCi {
  const confidence = options.confidence ?? 0.95;
  assertFiniteValues(values, "meanCi()");
  assertConfidence(confidence, "meanCi()");
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null, confidence };
  const mean = meanOf(values);
  if (n === 1) return { n, mean, sd: null, ci95: null, confidence };
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  const sd = Math.sqrt(squares / (n - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * sd / Math.sqrt(n);
  return { n, mean, sd, ci95: [mean - half, mean + half], confidence };
}

/** Arithmetic mean of a non-empty array, with one correction pass against rounding drift. */
export function meanOf(values: readonly number[]): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const rough = sum / n;
  let residual = 0;
  for (let i = 0; i < n; i++) residual += values[i] - rough;
  return rough + residual / n;
}
