/**
 * Confidence intervals for the difference of two estimates (b − a), for the GGUF vs MLX table and
 * the comparison of two result sets. Each says which method it used.
 * @module
 */
import { newcombeFromIntervals, normalQuantile, welchFromSummaries } from "../stats/mod.ts";

/** A difference b − a with its interval; `significant` when the interval excludes zero. */
export interface Difference {
  diff: number | null;
  lo: number | null;
  hi: number | null;
  significant: boolean | null;
  method: "welch" | "newcombe" | "normal-from-ci" | "none";
}

const NONE: Difference = { diff: null, lo: null, hi: null, significant: null, method: "none" };

function result(
  diff: number,
  lo: number,
  hi: number,
  method: Difference["method"],
): Difference {
  return { diff, lo, hi, significant: lo > 0 || hi < 0, method };
}

/** Mean, sample standard deviation and n of one group (null when unknown). */
export interface MeanSd {
  mean: number | null;
  sd: number | null;
  n: number;
}

/**
 * Welch's t interval for mean(b) − mean(a): se² = sa²/na + sb²/nb, Welch–Satterthwaite degrees of
 * freedom. Needs n ≥ 2 on both sides (else no interval); two constant groups give a zero-width
 * interval at the difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { welchDifference } from "./_diff.ts";
 * // a: mean 10, sd 2, n 5; b: mean 14, sd 2, n 5 → se = √(0.8 + 0.8) = 1.2649, df = 8,
 * // t(0.975, 8) = 2.306004 → 4 ± 2.91687
 * const d = welchDifference({ mean: 10, sd: 2, n: 5 }, { mean: 14, sd: 2, n: 5 });
 * assert.deepEqual([d.lo?.toFixed(4), d.hi?.toFixed(4), d.significant], ["1.0831", "6.9169", true]);
 * ```
 */
export function welchDifference(a: MeanSd, b: MeanSd, confidence = 0.95): Difference {
  if (a.mean === null || b.mean === null || a.sd === null || b.sd === null) return NONE;
  const d = welchFromSummaries(
    { mean: a.mean, sd: a.sd, n: a.n },
    { mean: b.mean, sd: b.sd, n: b.n },
    confidence,
  );
  return d ? result(...d, "welch") : NONE;
}

/** A proportion with its Wilson interval. */
export interface Proportion {
  value: number | null;
  ci95: [number, number] | null;
}

/**
 * Newcombe's hybrid score interval (method 10, 1998) for p_b − p_a from the two Wilson
 * intervals: lower = d − √((p_b − l_b)² + (u_a − p_a)²), upper = d + √((u_b − p_b)² + (p_a − l_a)²).
 */
export function newcombeDifference(a: Proportion, b: Proportion): Difference {
  if (a.value === null || b.value === null || !a.ci95 || !b.ci95) return NONE;
  return result(
    ...newcombeFromIntervals({ value: a.value, ci95: a.ci95 }, { value: b.value, ci95: b.ci95 }),
    "newcombe",
  );
}

/**
 * An approximate interval when only each side's interval is known (bootstrap macro-F1): each
 * standard error is taken as the interval's width / (2·z), and d ± z·√(se_a² + se_b²).
 */
export function normalDifferenceFromCi(
  a: Proportion,
  b: Proportion,
  confidence = 0.95,
): Difference {
  if (a.value === null || b.value === null || !a.ci95 || !b.ci95) return NONE;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const se = Math.hypot((a.ci95[1] - a.ci95[0]) / (2 * z), (b.ci95[1] - b.ci95[0]) / (2 * z));
  const d = b.value - a.value;
  return result(d, d - z * se, d + z * se, "normal-from-ci");
}
