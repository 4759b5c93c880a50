/** Seeded bootstrap confidence intervals: percentile and BCa. @module */
import type { CiMethod } from "./_ci_method.ts";
import { normalCdf, normalQuantile, tQuantile } from "./_distributions.ts";
import { quantileOfSorted } from "./_quantile.ts";
import { seededRandom } from "./_random.ts";
import { assertConfidence, assertFiniteValues, assertInteger, describe } from "./_validate.ts";

/** Options for {@linkcode bootstrapCi} and the helpers built on it. */
export interface BootstrapOptions {
  /**
   * Seed of the resampling generator ({@linkcode seededRandom}); the same seed gives the same
   * interval.
   * @default {42}
   */
  seed?: number;
  /**
   * Number of bootstrap resamples.
   * @default {2000}
   */
  resamples?: number;
  /**
   * Two-sided confidence level of the interval.
   * @default {0.95}
   */
  confidence?: number;
}

/** How the resampled statistics become an interval. */
export type BootstrapMethod = "percentile" | "bca";

/** Options for {@linkcode bootstrapCi}: the resampling settings and the interval method. */
export interface BootstrapCiOptions extends BootstrapOptions {
  /**
   * `percentile`: the α/2 and 1 − α/2 quantiles of the resampled statistics. `bca`: the
   * bias-corrected and accelerated interval (see {@linkcode bcaLevels}).
   * @default {"percentile"}
   */
  method?: BootstrapMethod;
}

/** A statistic with its bootstrap interval and how that interval was made. */
export interface BootstrapCi {
  /** Number of values. */
  n: number;
  /** The statistic on the full sample; null when n = 0. */
  estimate: number | null;
  /**
   * Interval at `confidence` (named ci95 after the default level); null when n = 0. It always
   * contains `estimate`.
   */
  ci95: [number, number] | null;
  /** `percentile_bootstrap` or `bca_bootstrap`. */
  method: CiMethod;
  /** Number of resamples drawn. */
  resamples: number;
  /** Seed the resamples were drawn with. */
  seed: number;
  /** The confidence level the interval was computed at. */
  confidence: number;
}

/**
 * Seeded bootstrap interval for `statistic` over `values`: draw `resamples` samples of size n
 * with replacement (indices from {@linkcode seededRandom}), compute the statistic on each, and
 * take the type-7 quantiles at α/2 and 1 − α/2 of those results (`method: "percentile"`), or at
 * the BCa levels (`method: "bca"`, jackknife over the n leave-one-out samples). Deterministic for
 * a given seed. The interval is widened to the estimate when the quantiles would exclude it
 * (which a percentile interval of a biased statistic can do), so it always contains it.
 *
 * Small n: n = 0 gives `estimate` and `ci95` null (the statistic is never called); n = 1 gives a
 * zero-width interval at the statistic of that one value, since every resample repeats it. With
 * small n the percentile interval is too narrow; treat it as descriptive below about n = 10.
 * Non-finite values, or a statistic that returns a non-finite number, throw a RangeError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapCi, median } from "./mod.ts";
 * const data = [3, 1, 4, 1, 5, 9, 2, 6];
 * const result = bootstrapCi(data, median);
 * assert.equal(result.estimate, 3.5);
 * assert.deepEqual(bootstrapCi(data, median).ci95, result.ci95); // same seed, same interval
 * ```
 */
export function bootstrapCi(
  values: readonly number[],
  statistic: (sample: readonly number[]) => number,
  options: BootstrapCiOptions = {},
): BootstrapCi {
  assertFiniteValues(values, "bootstrapCi()");
  if (typeof statistic !== "function") {
    throw new TypeError(
      `bootstrapCi() needs a statistic function: current value is ${describe(statistic)}`,
    );
  }
  const method = options.method ?? "percentile";
  if (method !== "percentile" && method !== "bca") {
    throw new RangeError(
      `bootstrapCi() needs method "percentile" or "bca": current value is ${describe(method)}`,
    );
  }
  const n = values.length;
  const of = (indices: ArrayLike<number>) => {
    const sample = new Array<number>(indices.length);
    for (let i = 0; i < indices.length; i++) sample[i] = values[indices[i]];
    return statistic(sample);
  };
  return resampleIndices(n, of, options, "bootstrapCi()", method === "bca" ? "jackknife" : null);
}

/**
 * The type-7 quantile at `p` of each resample, without sorting it: the values are ranked once,
 * a resample's indices become counts per rank, and the two order statistics the quantile needs
 * are found by walking the counts, O(n) per resample instead of a sort. The same resamples, the
 * same numbers as sorting each one.
 */
function quantileStatistic(values: readonly number[], p: number): (indices: Uint32Array) => number {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  const sorted = new Float64Array(n);
  const rank = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    sorted[r] = values[order[r]];
    rank[order[r]] = r;
  }
  const counts = new Uint32Array(n);
  return (indices) => {
    const m = indices.length;
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[rank[indices[i]]]++;
    const h = (m - 1) * p;
    const lo = Math.floor(h);
    const fraction = h - lo;
    // The value holding sorted position `lo` of the resample, then the next one.
    let r = 0;
    let seen = counts[0];
    while (seen <= lo) seen += counts[++r];
    const a = sorted[r];
    if (fraction === 0 || lo + 1 >= m) return a;
    while (seen <= lo + 1) seen += counts[++r];
    return a + fraction * (sorted[r] - a);
  };
}

/** Median with a seeded percentile bootstrap interval (see {@linkcode bootstrapCi}). */
export function medianCi(values: readonly number[], options: BootstrapOptions = {}): BootstrapCi {
  assertFiniteValues(values, "medianCi()");
  return resampleIndices(values.length, quantileStatistic(values, 0.5), options, "medianCi()");
}

/** 90th percentile with a seeded percentile bootstrap interval (see {@linkcode bootstrapCi}). */
export function p90Ci(values: readonly number[], options: BootstrapOptions = {}): BootstrapCi {
  assertFiniteValues(values, "p90Ci()");
  return resampleIndices(values.length, quantileStatistic(values, 0.9), options, "p90Ci()");
}

/** The resampling settings with their defaults, checked. */
export function bootstrapSettings(
  options: BootstrapOptions,
  caller: string,
): { seed: number; resamples: number; confidence: number } {
  const seed = options.seed ?? 42;
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  assertInteger(seed, Number.MIN_SAFE_INTEGER, "seed", caller);
  assertInteger(resamples, 1, "resamples", caller);
  assertConfidence(confidence, caller);
  return { seed, resamples, confidence };
}

/**
 * The resampling core shared with paired statistics (macro-F1): `statisticOf` receives the
 * indices of one resample (the identity 0..n−1 for the point estimate). `jackknife` selects the
 * BCa interval: `"jackknife"` computes the n leave-one-out statistics through `statisticOf`, a
 * function returns them directly (a faster path for statistics built on counts); null gives the
 * percentile interval.
 */
export function resampleIndices(
  n: number,
  statisticOf: (indices: Uint32Array) => number,
  options: BootstrapOptions,
  caller: string,
  jackknife: "jackknife" | (() => ArrayLike<number>) | null = null,
): BootstrapCi {
  const { seed, resamples, confidence } = bootstrapSettings(options, caller);
  const method: CiMethod = jackknife ? "bca_bootstrap" : "percentile_bootstrap";
  if (n === 0) return { n, estimate: null, ci95: null, method, resamples, seed, confidence };

  const identity = new Uint32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const estimate = checked(statisticOf(identity), "the full sample", caller);

  const random = seededRandom(seed);
  const results = new Float64Array(resamples);
  const indices = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    results[r] = checked(statisticOf(indices), `resample ${r}`, caller);
  }
  results.sort();
  let levels: [number, number];
  if (jackknife === null) {
    const alpha = 1 - confidence;
    levels = [alpha / 2, 1 - alpha / 2];
  } else {
    const values = jackknife === "jackknife" ? leaveOneOut(n, statisticOf, caller) : jackknife();
    levels = bcaLevels(results, estimate, values, confidence, n);
  }
  const ci95 = intervalAt(results, levels, estimate);
  return { n, estimate, ci95, method, resamples, seed, confidence };
}

function leaveOneOut(
  n: number,
  statisticOf: (indices: Uint32Array) => number,
  caller: string,
): Float64Array {
  const out = new Float64Array(n);
  if (n < 2) return out;
  const indices = new Uint32Array(n - 1);
  for (let i = 0; i < n - 1; i++) indices[i] = i + 1;
  for (let left = 0; left < n; left++) {
    // indices holds 0..n−1 without `left`.
    if (left > 0) indices[left - 1] = left - 1;
    out[left] = checked(statisticOf(indices), `the sample without value ${left}`, caller);
  }
  return out;
}

/**
 * The two quantile levels of the BCa interval (Efron 1987; Efron & Tibshirani 1993, §14.3):
 * bias correction z0 = Φ⁻¹(share of resamples below the estimate, ties counted half),
 * acceleration a = Σd³ / (6·(Σd²)^{3/2}) with d the jackknife values' deviations from their mean,
 * and levels Φ(z0 + (z0 + z)/(1 − a·(z0 + z))) for z = ∓z_{1−α/2}. With `n` given, z is expanded
 * for small samples as Hesterberg (2015) does for the percentile interval:
 * z = t_{1−α/2, n−1}·√(n/(n−1)), which tends to the normal z as n grows.
 * `sorted` holds the resampled statistics in ascending order.
 */
export function bcaLevels(
  sorted: ArrayLike<number>,
  estimate: number,
  jackknife: ArrayLike<number>,
  confidence: number,
  n?: number,
): [number, number] {
  const b = sorted.length;
  let below = 0;
  let ties = 0;
  for (let i = 0; i < b; i++) {
    if (sorted[i] < estimate) below++;
    else if (sorted[i] === estimate) ties++;
  }
  const share = Math.min(Math.max((below + ties / 2) / b, 0.5 / b), 1 - 0.5 / b);
  const z0 = normalQuantile(share);
  let mean = 0;
  for (let i = 0; i < jackknife.length; i++) mean += jackknife[i];
  mean /= jackknife.length || 1;
  let cubes = 0;
  let squares = 0;
  for (let i = 0; i < jackknife.length; i++) {
    const d = mean - jackknife[i];
    cubes += d * d * d;
    squares += d * d;
  }
  const a = squares > 0 ? cubes / (6 * squares ** 1.5) : 0;
  const alpha = 1 - confidence;
  const z = n !== undefined && n >= 2
    ? tQuantile(1 - alpha / 2, n - 1) * Math.sqrt(n / (n - 1))
    : normalQuantile(1 - alpha / 2);
  const level = (zq: number, upper: boolean) => {
    const denominator = 1 - a * (z0 + zq);
    if (!(denominator > 0)) return upper ? 1 : 0;
    return normalCdf(z0 + (z0 + zq) / denominator);
  };
  return [level(-z, false), level(z, true)];
}

/** Type-7 quantiles of `sorted` at `levels`, widened to contain `estimate`. */
export function intervalAt(
  sorted: ArrayLike<number>,
  levels: [number, number],
  estimate: number,
): [number, number] {
  const lo = quantileOfSorted(sorted, Math.min(Math.max(levels[0], 0), 1));
  const hi = quantileOfSorted(sorted, Math.min(Math.max(levels[1], 0), 1));
  return [Math.min(lo, estimate), Math.max(hi, estimate)];
}

function checked(value: number, where: string, caller: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `${caller} needs a statistic that returns a finite number: on ${where} it returned ${
        describe(value)
      }`,
    );
  }
  return value;
}
