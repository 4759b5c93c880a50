/**
 * Paired comparison of two proportions measured on the same samples (accuracy of two runs over
 * one sample set): McNemar's test and Tango's score interval for the difference. @module
 */
import type { CiMethod } from "./_ci_method.ts";
import { normalCdf, normalQuantile } from "./_distributions.ts";
import { assertConfidence, assertInteger, describe } from "./_validate.ts";

/** The 2×2 table of two runs over the same n samples (counts of samples). */
export interface PairedCounts {
  /** Right in both runs. */
  both: number;
  /** Right in A only. */
  a_only: number;
  /** Right in B only. */
  b_only: number;
  /** Wrong in both runs. */
  neither: number;
}

/** pB − pA on paired samples, with Tango's interval and McNemar's test. */
export interface PairedProportionDifferenceCi {
  /** pB − pA = (b_only − a_only) / n; null when n = 0. */
  value: number | null;
  /** Tango's score interval, inside [−1, 1], containing the value; null when n = 0. */
  ci95: [number, number] | null;
  /** McNemar's test rejects "no difference" at 1 − confidence (see `test`). */
  significant: boolean;
  /** (pB − pA) / pA; null when pA is 0 or undefined. */
  relative: number | null;
  method: CiMethod;
  /** Two-sided p-value of McNemar's test; null when n = 0. */
  p_value: number | null;
  /** `mcnemar_exact` (binomial, below 25 discordant samples) or `mcnemar` (the score test). */
  test: "mcnemar_exact" | "mcnemar";
  n: number;
  /** Samples right in exactly one run: the only ones that carry information on the difference. */
  discordant: number;
}

/** The 2×2 table of two aligned arrays of outcomes (`a[i]`, `b[i]`: sample i right in A, B). */
export function pairedCounts(a: readonly boolean[], b: readonly boolean[]): PairedCounts {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
    throw new RangeError(
      `pairedCounts() needs two outcome arrays of the same length: current lengths are ${
        Array.isArray(a) ? a.length : describe(a)
      } and ${Array.isArray(b) ? b.length : describe(b)}`,
    );
  }
  const out = { both: 0, a_only: 0, b_only: 0, neither: 0 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) out.both++;
    else if (a[i]) out.a_only++;
    else if (b[i]) out.b_only++;
    else out.neither++;
  }
  return out;
}

/**
 * Two-sided McNemar test of "A and B are right equally often" from the discordant counts:
 * exact (binomial with p = ½ on the discordant samples, p = min(1, 2·P(X <= min))) below 25
 * discordant samples, else the score statistic (b − a)/√(a + b) against the normal (no
 * continuity correction; the test Tango's interval inverts). No discordant sample gives p = 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mcnemarTest } from "./mod.ts";
 * // 1 vs 7 discordant: 2·(1 + 8)/256
 * assert.equal(mcnemarTest(1, 7).p_value, 18 / 256);
 * ```
 */
export function mcnemarTest(
  aOnly: number,
  bOnly: number,
): { p_value: number; test: "mcnemar_exact" | "mcnemar" } {
  assertInteger(aOnly, 0, "aOnly", "mcnemarTest()");
  assertInteger(bOnly, 0, "bOnly", "mcnemarTest()");
  const m = aOnly + bOnly;
  if (m < 25) {
    if (m === 0) return { p_value: 1, test: "mcnemar_exact" };
    const low = Math.min(aOnly, bOnly);
    // Binomial coefficients below 2^24 are exact integers in a double.
    let coefficient = 1;
    let tail = 0;
    for (let i = 0; i <= low; i++) {
      tail += coefficient;
      coefficient = coefficient * (m - i) / (i + 1);
    }
    return { p_value: Math.min(1, 2 * tail / 2 ** m), test: "mcnemar_exact" };
  }
  const z = Math.abs(bOnly - aOnly) / Math.sqrt(m);
  return { p_value: Math.min(1, 2 * (1 - normalCdf(z))), test: "mcnemar" };
}

/**
 * Difference of two proportions measured on the same samples (pB − pA) with Tango's (1998)
 * score interval: the Δ whose constrained-maximum-likelihood score statistic
 * T(Δ) = (b − a − nΔ) / √(n·(2·π̃(Δ) + Δ(1 − Δ))) lies within ±z, where a and b are the samples
 * right in A only and in B only and π̃(Δ) the constrained estimate of P(right in A only). It
 * stays inside [−1, 1], contains the difference and keeps its coverage near nominal with few
 * discordant samples (Newcombe 1998, method 10 comparison); unlike an unpaired (Newcombe) interval
 * it does not count the variation the two runs share. `significant` follows McNemar's test (see
 * {@linkcode mcnemarTest}); at 25 or more discordant samples that is exactly "the interval
 * excludes 0".
 *
 * Small n: n = 0 gives value, interval and p-value null; no discordant sample gives a difference
 * of 0 with an interval that still has width (it narrows as n grows).
 */
export function pairedProportionDifferenceCi(
  counts: PairedCounts,
  confidence = 0.95,
): PairedProportionDifferenceCi {
  const caller = "pairedProportionDifferenceCi()";
  for (const key of ["both", "a_only", "b_only", "neither"] as const) {
    assertInteger(counts?.[key], 0, key, caller);
  }
  assertConfidence(confidence, caller);
  const n = counts.both + counts.a_only + counts.b_only + counts.neither;
  const x = counts.b_only;
  const y = counts.a_only;
  const discordant = x + y;
  const method: CiMethod = "tango_score";
  if (n === 0) {
    return {
      value: null,
      ci95: null,
      significant: false,
      relative: null,
      method,
      p_value: null,
      test: "mcnemar_exact",
      n,
      discordant,
    };
  }
  const d = (x - y) / n;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const score = (delta: number) => {
    const w = -x - y + (2 * n - x + y) * delta;
    const pi = (-w + Math.sqrt(Math.max(0, w * w + 8 * n * y * delta * (1 - delta)))) / (4 * n);
    const variance = n * (2 * pi + delta * (1 - delta));
    const numerator = x - y - n * delta;
    if (!(variance > 1e-15 * n)) return numerator > 0 ? Infinity : numerator < 0 ? -Infinity : 0;
    return numerator / Math.sqrt(variance);
  };
  // T decreases in Δ: the bounds solve T = z below d and T = −z above it.
  const solve = (from: number, to: number, target: number) => {
    let lo = from;
    let hi = to;
    for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
      const mid = (lo + hi) / 2;
      if (score(mid) > target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const low = d <= -1 || score(-1) <= z ? -1 : solve(-1, d, z);
  const high = d >= 1 || score(1) >= -z ? 1 : solve(d, 1, -z);
  const test = mcnemarTest(y, x);
  const pA = (counts.both + counts.a_only) / n;
  return {
    value: d,
    ci95: [Math.min(Math.max(-1, low), d), Math.max(Math.min(1, high), d)],
    significant: test.p_value < 1 - confidence,
    relative: pA > 0 ? d / pA : null,
    method,
    p_value: test.p_value,
    test: test.test,
    n,
    discordant,
  };
}
