/** Wilson score interval for a proportion. @module */
import type { CiMethod } from "./_ci_method.ts";
import { normalQuantile } from "./_distributions.ts";
import { assertConfidence, assertInteger, describe } from "./_validate.ts";

/** Options for {@linkcode wilsonCi}. */
export interface WilsonCiOptions {
  /**
   * Two-sided confidence level of the interval.
   * @default {0.95}
   */
  confidence?: number;
}

/** A proportion with its Wilson interval, in the `{value, ci95}` shape of summary metrics. */
export interface WilsonCi {
  /** successes / n; null when n = 0. */
  value: number | null;
  /** Wilson score interval at `confidence`, within [0, 1]; null when n = 0. */
  ci95: [number, number] | null;
  /** Number of trials. */
  n: number;
  /** Number of successes. */
  successes: number;
  /** The confidence level the interval was computed at. */
  confidence: number;
  /** Always `wilson`. */
  method: CiMethod;
}

/**
 * Proportion `successes / n` with its Wilson score interval (Wilson 1927), which stays inside
 * [0, 1] and keeps its coverage near 0 and 1 where the normal (Wald) interval collapses. With
 * z = Φ⁻¹(1 − α/2) and p̂ = successes/n:
 * centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
 * For accuracy, higher is better.
 *
 * Small n: n = 0 gives `value` and `ci95` null; 0/n and n/n give intervals that touch 0 and 1.
 * `successes` and `n` must be integers with 0 <= successes <= n (RangeError otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wilsonCi } from "./mod.ts";
 * assert.deepEqual(wilsonCi(8, 10).ci95?.map((x) => x.toFixed(4)), ["0.4902", "0.9433"]);
 * ```
 */
export function wilsonCi(successes: number, n: number, options: WilsonCiOptions = {}): WilsonCi {
  const confidence = options.confidence ?? 0.95;
  assertInteger(n, 0, "n", "wilsonCi()");
  assertInteger(successes, 0, "successes", "wilsonCi()");
  if (successes > n) {
    throw new RangeError(
      `wilsonCi() needs successes <= n (${n}): current value is ${describe(successes)}`,
    );
  }
  assertConfidence(confidence, "wilsonCi()");
  const method: CiMethod = "wilson";
  if (n === 0) return { value: null, ci95: null, n, successes, confidence, method };
  const p = successes / n;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
  // Exact endpoints at the boundaries avoid rounding residue such as 1.1e-17 instead of 0.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { value: p, ci95: [low, high], n, successes, confidence, method };
}
