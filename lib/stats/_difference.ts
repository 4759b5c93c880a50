/** Intervals for the difference between two groups (B − A). @module */
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
}

const NONE: DifferenceCi = { value: null, ci95: null, significant: false, relative: null };

function meanVar(xs: readonly number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)];
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
  if (a.length < 2 || b.length < 2) return NONE;
  const [ma, va] = meanVar(a);
  const [mb, vb] = meanVar(b);
  const sa = va / a.length, sb = vb / b.length;
  const se = Math.sqrt(sa + sb);
  const diff = mb - ma;
  if (se === 0) {
    return {
      value: diff,
      ci95: [diff, diff],
      significant: diff !== 0,
      relative: ma !== 0 ? diff / ma : null,
    };
  }
  const df = (sa + sb) ** 2 / (sa ** 2 / (a.length - 1) + sb ** 2 / (b.length - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  const ci: [number, number] = [diff - half, diff + half];
  return {
    value: diff,
    ci95: ci,
    significant: ci[0] > 0 || ci[1] < 0,
    relative: ma !== 0 ? diff / ma : null,
  };
}

/**
 * Difference of two proportions (pB − pA) with Newcombe's hybrid score interval (method 10 of
 * Newcombe 1998), built from the two Wilson intervals. Needs n ≥ 1 on both sides.
 */
export function proportionDifferenceCi(
  a: { successes: number; n: number },
  b: { successes: number; n: number },
  confidence = 0.95,
): DifferenceCi {
  if (a.n === 0 || b.n === 0) return NONE;
  const wa = wilsonCi(a.successes, a.n, { confidence });
  const wb = wilsonCi(b.successes, b.n, { confidence });
  const pa = wa.value!, pb = wb.value!;
  const [la, ua] = wa.ci95!, [lb, ub] = wb.ci95!;
  const diff = pb - pa;
  const ci: [number, number] = [
    diff - Math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2),
    diff + Math.sqrt((ub - pb) ** 2 + (pa - la) ** 2),
  ];
  return {
    value: diff,
    ci95: ci,
    significant: ci[0] > 0 || ci[1] < 0,
    relative: pa !== 0 ? diff / pa : null,
  };
}
