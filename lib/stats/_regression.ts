/** Ordinary least squares line with Student's t intervals. @module */
import type { CiMethod } from "./_ci_method.ts";
import { tQuantile } from "./_distributions.ts";
import { assertConfidence, assertFiniteValues } from "./_validate.ts";

/** Options for {@linkcode linearFit}. */
export interface LinearFitOptions {
  /** @default 0.95 */
  confidence?: number;
}

/** A fitted line y = intercept + slope · x. */
export interface LinearFit {
  n: number;
  /** Null for n < 2 or when every x is the same. */
  intercept: number | null;
  slope: number | null;
  /** t intervals (n − 2 degrees of freedom); null for n < 3. */
  intercept_ci95: [number, number] | null;
  slope_ci95: [number, number] | null;
  /** Share of the variance of y the line explains; null when undefined. */
  r2: number | null;
  /** Residual standard deviation (divisor n − 2); null for n < 3. */
  residual_sd: number | null;
  ci_method: CiMethod;
  confidence: number;
}

/**
 * Least-squares line through (x, y) with two-sided t intervals for intercept and slope
 * (standard errors √(s²/Sxx) and √(s²(1/n + x̄²/Sxx)), s² the residual variance with divisor
 * n − 2). The intervals are unbounded-value intervals (method `t`): a fixed overhead or a cost
 * per unit may come out negative when the data say so.
 *
 * Small n: n < 2, or all x equal, gives nulls; n = 2 gives the line without intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearFit } from "./mod.ts";
 * const fit = linearFit([0, 1, 2, 3], [1, 3, 5, 7]);
 * assert.deepEqual([fit.intercept, fit.slope, fit.r2], [1, 2, 1]);
 * ```
 */
export function linearFit(
  x: readonly number[],
  y: readonly number[],
  options: LinearFitOptions = {},
): LinearFit {
  assertFiniteValues(x, "linearFit()");
  assertFiniteValues(y, "linearFit()");
  if (x.length !== y.length) {
    throw new RangeError(
      `linearFit() needs as many x as y values: current lengths are ${x.length} and ${y.length}`,
    );
  }
  const confidence = options.confidence ?? 0.95;
  assertConfidence(confidence, "linearFit()");
  const n = x.length;
  const empty: LinearFit = {
    n,
    intercept: null,
    slope: null,
    intercept_ci95: null,
    slope_ci95: null,
    r2: null,
    residual_sd: null,
    ci_method: "t",
    confidence,
  };
  if (n < 2) return empty;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) return empty;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i] - intercept - slope * x[i]) ** 2;
  const r2 = syy > 0 ? Math.max(0, 1 - sse / syy) : null;
  if (n < 3) return { ...empty, intercept, slope, r2 };
  const s2 = sse / (n - 2);
  const t = tQuantile(1 - (1 - confidence) / 2, n - 2);
  const seSlope = Math.sqrt(s2 / sxx);
  const seIntercept = Math.sqrt(s2 * (1 / n + (mx * mx) / sxx));
  return {
    n,
    intercept,
    slope,
    intercept_ci95: [intercept - t * seIntercept, intercept + t * seIntercept],
    slope_ci95: [slope - t * seSlope, slope + t * seSlope],
    r2,
    residual_sd: Math.sqrt(s2),
    ci_method: "t",
    confidence,
  };
}
