/** Seeded percentile bootstrap confidence intervals. @module */
import { quantileOfSorted, sortAscending } from "./_quantile.ts";
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

/** A statistic with its bootstrap interval and how that interval was made. */
export interface BootstrapCi {
  /** Number of values. */
  n: number;
  /** The statistic on the full sample; null when n = 0. */
  estimate: number | null;
  /**
   * Percentile interval at `confidence` (named ci95 after the default level); null when n = 0.
   */
  ci95: [number, number] | null;
  /** Number of resamples drawn. */
  resamples: number;
  /** Seed the resamples were drawn with. */
  seed: number;
  /** The confidence level the interval was computed at. */
  confidence: number;
}

/**
 * Percentile bootstrap interval for `statistic` over `values`: draw `resamples` samples of size
 * n with replacement (indices from {@linkcode seededRandom}), compute the statistic on each, and
 * take the type-7 quantiles at α/2 and 1 − α/2 of those results. Deterministic for a given seed.
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
  options: BootstrapOptions = {},
): BootstrapCi {
  assertFiniteValues(values, "bootstrapCi()");
  if (typeof statistic !== "function") {
    throw new TypeError(
      `bootstrapCi() needs a statistic function: current value is ${describe(statistic)}`,
    );
  }
  const n = values.length;
  return resampleIndices(
    n,
    (indices) => {
      const sample = new Array<number>(indices.length);
      for (let i = 0; i < indices.length; i++) sample[i] = values[indices[i]];
      return statistic(sample);
    },
    options,
    "bootstrapCi()",
  );
}

/** Median with a seeded percentile bootstrap interval (see {@linkcode bootstrapCi}). */
export function medianCi(values: readonly number[], options: BootstrapOptions = {}): BootstrapCi {
  assertFiniteValues(values, "medianCi()");
  return bootstrapCi(values, (sample) => quantileOfSorted(sortAscending(sample), 0.5), options);
}

/** 90th percentile with a seeded percentile bootstrap interval (see {@linkcode bootstrapCi}). */
export function p90Ci(values: readonly number[], options: BootstrapOptions = {}): BootstrapCi {
  assertFiniteValues(values, "p90Ci()");
  return bootstrapCi(values, (sample) => quantileOfSorted(sortAscending(sample), 0.9), options);
}

/**
 * The resampling core shared with paired statistics (macro-F1): `statisticOf` receives the
 * indices of one resample (the identity 0..n−1 for the point estimate).
 */
export function resampleIndices(
  n: number,
  statisticOf: (indices: Uint32Array) => number,
  options: BootstrapOptions,
  caller: string,
): BootstrapCi {
  const seed = options.seed ?? 42;
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  assertInteger(seed, Number.MIN_SAFE_INTEGER, "seed", caller);
  assertInteger(resamples, 1, "resamples", caller);
  assertConfidence(confidence, caller);
  if (n === 0) return { n, estimate: null, ci95: null, resamples, seed, confidence };

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
  const alpha = 1 - confidence;
  const ci95: [number, number] = [
    quantileOfSorted(results, alpha / 2),
    quantileOfSorted(results, 1 - alpha / 2),
  ];
  return { n, estimate, ci95, resamples, seed, confidence };
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
