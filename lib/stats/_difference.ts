/**
 * Intervals for the difference between two independent groups (B − A): Welch for means, Newcombe
 * for proportions. Samples measured on the same items are paired: use `_paired.ts` (McNemar /
 * Tango) or `macroF1DifferenceCi` instead.
 * @module
 */
import type { CiMethod } from "./_ci_method.ts";
import { tQuantile } from "./_distributions.ts";
import { assertFiniteValues } from "./_validate.ts";
import { wilsonCi } from "./_wilson.ts";

/** A difference B − A with its interval and whether the interval excludes zero. */
export interface DifferenceCi {
  /** mean(B) − mean(A) (or pB − pA); null when either side is too small. */
  value: number | null;
  ci95: [number, number] | null;
  /** True when the interval lies wholly above or below zero. */
  significant: boolean;
  /** (B − A) / A for means: the relative change; null when A is 0 or undefined. */
  relative: number | null;
  /** How the interval was made (`welch`, `newcombe`). */
  method: CiMethod;
}

const none = (method: CiMethod): DifferenceCi => ({
  value: null,
  ci95: null,
  significant: false,
  relative: null,
  method,
});

/** Mean, sample standard deviation and n of one group. */
export interface MeanSd {
  mean: number;
  sd: number;
  n: number;
}

/**
 * Welch's t interval for mean(b) − mean(a) from summary statistics: se² = sa²/na + sb²/nb,
 * Welch–Satterthwaite degrees of freedom. Returns [difference, low, high], or null when either
 * side has n < 2; two constant groups give a zero-width interval at the difference.
 */
export function welchFromSummaries(
  a: MeanSd,
  b: MeanSd,
  confidence = 0.95,
): [number, number, number] | null {
  if (a.n < 2 || b.n < 2) return null;
  const diff = b.mean - a.mean;
  const va = a.sd ** 2 / a.n, vb = b.sd ** 2 / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return [diff, diff, diff];
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  return [diff, diff - half, diff + half];
}

/**
 * Newcombe's hybrid score interval (method 10, 1998) for p_b − p_a from each side's value and
 * Wilson interval: low = d − √((p_b − l_b)² + (u_a − p_a)²), high = d + √((u_b − p_b)² + (p_a − l_a)²).
 */
export function newcombeFromIntervals(
  a: { value: number; ci95: [number, number] },
  b: { value: number; ci95: [number, number] },
): [number, number, number] {
  const d = b.value - a.value;
  return [
    d,
    d - Math.sqrt((b.value - b.ci95[0]) ** 2 + (a.ci95[1] - a.value) ** 2),
    d + Math.sqrt((b.ci95[1] - b.value) ** 2 + (a.value - a.ci95[0]) ** 2),
  ];
}

const asCi = (
  [value, lo, hi]: [number, number, number],
  base: number | null,
  method: CiMethod,
): DifferenceCi => ({
  value,
  ci95: [lo, hi],
  significant: lo > 0 || hi < 0,
  relative: base !== null && base !== 0 ? value / base : null,
  method,
});

function meanSd(xs: readonly number[]): MeanSd {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    mean: m,
    sd: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)),
    n: xs.length,
  };
}

/**
 * Difference of two means (B − A) with Welch's t interval (unequal variances,
 * Welch–Satterthwaite degrees of freedom). Needs n ≥ 2 on both sides, else all null.
 *
 * @example
 * ```ts
 * import { welchDifferenceCi } from "./_difference.ts";
 * const d = welchDifferenceCi([10, 11, 12], [20, 21, 22]);
 * // d.value 10; se = sqrt(1/3 + 1/3); df = 4; t(0.975, 4) = 2.776445
 * if (Math.abs(d.ci95![0] - (10 - 2.776445 * Math.sqrt(2 / 3))) > 1e-5) throw new Error();
 * ```
 */
export function welchDifferenceCi(
  a: readonly number[],
  b: readonly number[],
  confidence = 0.95,
): DifferenceCi {
  assertFiniteValues(a, "welchDifferenceCi()");
  assertFiniteValues(b, "welchDifferenceCi()");
  if (a.length < 2 || b.length < 2) return none("welch");
  const sa = meanSd(a);
  return asCi(welchFromSummaries(sa, meanSd(b), confidence)!, sa.mean, "welch");
}

/**
 * Difference of two proportions (pB − pA) with Newcombe's hybrid score interval (method 10 of
 * Newcombe 1998), built from the two Wilson intervals. Needs n ≥ 1 on both sides. For
 * independent samples only: two runs over the same samples are paired
 * (`pairedProportionDifferenceCi`).
 */
export function proportionDifferenceCi(
  a: { successes: number; n: number },
  b: { successes: number; n: number },
  confidence = 0.95,
): DifferenceCi {
  if (a.n === 0 || b.n === 0) return none("newcombe");
  const wa = wilsonCi(a.successes, a.n, { confidence });
  const wb = wilsonCi(b.successes, b.n, { confidence });
  const side = (w: typeof wa) => ({ value: w.value!, ci95: w.ci95! });
  return asCi(newcombeFromIntervals(side(wa), side(wb)), wa.value, "newcombe");
}
