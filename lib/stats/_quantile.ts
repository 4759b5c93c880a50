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
  return quantileOf(values, p);
}

/** From this many values on, quantiles select their order statistics instead of sorting. */
const SELECT_FROM = 4096;

/** Type-7 quantile of finite `values` (checked by the caller): sorted when few, else selected. */
function quantileOf(values: readonly number[], p: number): number {
  if (values.length < SELECT_FROM) return quantileOfSorted(sortAscending(values), p);
  const a = Float64Array.from(values);
  const h = (a.length - 1) * p;
  const lo = Math.floor(h);
  const low = select(a, lo);
  const fraction = h - lo;
  if (fraction === 0 || lo + 1 >= a.length) return low;
  // After the selection every value right of `lo` is at or above it: the next order statistic
  // is their minimum.
  let next = a[lo + 1];
  for (let i = lo + 2; i < a.length; i++) if (a[i] < next) next = a[i];
  return low + fraction * (next - low);
}

/**
 * The `k`-th smallest value of `a` (0-based), rearranging `a` so that values left of `k` are at or
 * below it and values right of it at or above it: quickselect with a median-of-three pivot, and a
 * sort of what is left should the partitions stop shrinking (so never worse than sorting).
 */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  let rounds = 0;
  const limit = 2 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (right > left) {
    if (++rounds > limit) {
      const rest = a.subarray(left, right + 1).sort();
      return rest[k - left];
    }
    const mid = (left + right) >>> 1;
    // Median of three as the pivot, moved to a[mid].
    if (a[mid] < a[left]) swap(a, mid, left);
    if (a[right] < a[left]) swap(a, right, left);
    if (a[right] < a[mid]) swap(a, right, mid);
    const pivot = a[mid];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // [left, j] ≤ pivot ≤ [i, right]; between them, values equal to the pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
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
  return quantileOf(values, 0.5);
}

/** The 90th percentile (type-7 quantile at 0.9). Throws a RangeError for an empty array. */
export function p90(values: readonly number[]): number {
  assertFiniteValues(values, "p90()");
  if (values.length === 0) {
    throw new RangeError("p90() needs at least one value: current length is 0");
  }
  return quantileOf(values, 0.9);
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
