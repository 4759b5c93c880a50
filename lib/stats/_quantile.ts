/**
 * Sample quantiles by linear interpolation between order statistics: Hyndman & Fan type 7,
 * the default of numpy (`method="linear"`), R and Excel's PERCENTILE.INC.
 * @module
 */
import { assertFiniteValues, describe } from "./_validate.ts";

/**
 * The `p`-quantile of `values` (type 7): with the values sorted ascending as x[0..n−1] and
 * h = (n − 1)·p, the result is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 *
 * Small n: n = 1 gives the value itself; n = 0 has no quantile and throws a RangeError
 * (callers that may see empty input, like {@linkcode summarize}, check first).
 * Non-finite values throw a RangeError naming the index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantile } from "./mod.ts";
 * // h = 3·0.9 = 2.7 → 3 + 0.7·(4 − 3) = 3.7
 * assert.ok(Math.abs(quantile([1, 2, 3, 4], 0.9) - 3.7) < 1e-12);
 * ```
 */
export function quantile(values: readonly number[], p: number): number {
  assertFiniteValues(values, "quantile()");
  assertQuantileLevel(p, "quantile()");
  if (values.length === 0) {
    throw new RangeError("quantile() needs at least one value: current length is 0");
  }
  return quantileOfSorted(sortAscending(values), p);
}

/**
 * The median (type-7 quantile at 0.5; the mean of the two middle values for even n).
 * Throws a RangeError for an empty array.
 */
export function median(values: readonly number[]): number {
  assertFiniteValues(values, "median()");
  if (values.length === 0) {
    throw new RangeError("median() needs at least one value: current length is 0");
  }
  return quantileOfSorted(sortAscending(values), 0.5);
}

/** The 90th percentile (type-7 quantile at 0.9). Throws a RangeError for an empty array. */
export function p90(values: readonly number[]): number {
  assertFiniteValues(values, "p90()");
  if (values.length === 0) {
    throw new RangeError("p90() needs at least one value: current length is 0");
  }
  return quantileOfSorted(sortAscending(values), 0.9);
}

/** Type-7 quantile of an already ascending, non-empty array (no checks). */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const fraction = h - lo;
  return fraction === 0 ? sorted[lo] : sorted[lo] + fraction * (sorted[hi] - sorted[lo]);
}

/** A sorted copy as a Float64Array (numeric order, never the default string order). */
export function sortAscending(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function assertQuantileLevel(p: number, caller: string): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new RangeError(`${caller} needs p between 0 and 1: current value is ${describe(p)}`);
  }
}
