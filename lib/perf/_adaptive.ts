/**
 * Adaptive repetitions: keep measuring a scenario until the 95 % intervals of mean TTFT and mean
 * output tokens/s are narrow enough (half-width at most a target share of the estimate), between
 * a minimum and a maximum number of measured requests.
 * @module
 */
import { meanBootstrapCi } from "../stats/mod.ts";

/** The stopping rule (`--target-ci`, `--min-runs`, `--runs` as the maximum). */
export interface AdaptiveRule {
  /** Largest allowed half-width of each interval, as a share of its estimate (0.05 = 5 %). */
  target_ci: number;
  /** Measured requests before the rule is first checked. */
  min_runs: number;
  /** Measured requests at most (the experiment's `runs`). */
  max_runs: number;
}

/** The two metrics the rule watches. */
export const ADAPTIVE_METRICS = ["ttft_ms", "output_tokens_per_s"] as const;

/** Relative half-widths of the watched intervals; null where the interval is undefined. */
export interface AdaptiveWidths {
  ttft_ms: number | null;
  output_tokens_per_s: number | null;
}

/** Whether to stop, with the half-widths it was decided on. */
export interface AdaptiveDecision {
  stop: boolean;
  /** Successful measured requests the decision looked at. */
  n: number;
  half_width: AdaptiveWidths;
}

/** Options for {@linkcode adaptiveDecision}. */
export interface AdaptiveOptions {
  /** Bootstrap seed (the summary's). @default 42 */
  seed?: number;
}

/** Relative half-width of the BCa interval of the mean (as the summary computes it). */
export function relativeHalfWidth(values: readonly number[], seed = 42): number | null {
  if (values.length < 2) return null;
  const m = meanBootstrapCi(values, { seed, range: [0, Infinity] });
  if (m.mean === null || m.ci95 === null || m.mean === 0) return null;
  return (m.ci95[1] - m.ci95[0]) / 2 / Math.abs(m.mean);
}

/**
 * Decide on the successful measured requests so far (`ttft` and `tps` values in request order):
 * stop once there are at least `min_runs` and both half-widths are at most `target_ci`; a metric
 * with no interval (fewer than 2 values, e.g. one-token outputs have no tokens/s) never
 * satisfies the rule, so such a scenario runs to `max_runs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adaptiveDecision } from "./_adaptive.ts";
 * const rule = { target_ci: 0.05, min_runs: 5, max_runs: 20 };
 * const flat = adaptiveDecision(rule, [100, 101, 99, 100, 100], [50, 50, 51, 49, 50]);
 * assert.equal(flat.stop, true);
 * ```
 */
export function adaptiveDecision(
  rule: AdaptiveRule,
  ttft: readonly number[],
  tps: readonly number[],
  options: AdaptiveOptions = {},
): AdaptiveDecision {
  const seed = options.seed ?? 42;
  const half_width = {
    ttft_ms: relativeHalfWidth(ttft, seed),
    output_tokens_per_s: relativeHalfWidth(tps, seed),
  };
  const n = ttft.length;
  const narrow = (w: number | null) => w !== null && w <= rule.target_ci;
  return {
    stop: n >= rule.min_runs && narrow(half_width.ttft_ms) &&
      narrow(half_width.output_tokens_per_s),
    n,
    half_width,
  };
}

/** What the summary and manifest record about an adaptive unit. */
export interface AdaptiveOutcome {
  rule: AdaptiveRule & { metrics: readonly string[]; ci_method: "bca_bootstrap" };
  /** Measured requests made (latest attempts, failures included). */
  runs_used: number;
  /** `target`: the rule was met; `max_runs`: it was not by the maximum; `incomplete`: neither yet. */
  stopped_by: "target" | "max_runs" | "incomplete";
  /** Half-widths over the successful measured requests at the end. */
  half_width: AdaptiveWidths;
}

/**
 * The outcome of a unit from its measured records in repetition order (`ok` requests' values):
 * replays the rule request by request, so it says where the run stopped and why.
 */
export function adaptiveOutcome(
  rule: AdaptiveRule,
  measured: readonly {
    repetition: number;
    ok: boolean;
    ttft_ms: number | null;
    tps: number | null;
  }[],
  options: AdaptiveOptions = {},
): AdaptiveOutcome {
  const ordered = [...measured].sort((a, b) => a.repetition - b.repetition);
  const ttft: number[] = [];
  const tps: number[] = [];
  let met = false;
  for (const r of ordered) {
    if (r.ok && r.ttft_ms !== null) ttft.push(r.ttft_ms);
    if (r.ok && r.tps !== null) tps.push(r.tps);
  }
  const decision = adaptiveDecision(rule, ttft, tps, options);
  met = decision.stop;
  return {
    rule: { ...rule, metrics: ADAPTIVE_METRICS, ci_method: "bca_bootstrap" },
    runs_used: ordered.length,
    stopped_by: met ? "target" : ordered.length >= rule.max_runs ? "max_runs" : "incomplete",
    half_width: decision.half_width,
  };
}
