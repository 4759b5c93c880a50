/**
 * Concurrency sweeps: per (model, scenario) the throughput–latency curve over the levels run
 * (aggregate output tokens/s against per-request TTFT and ITL percentiles), and its knee.
 * @module
 */
import type { Estimate } from "../stats/mod.ts";
import type { PerfSummary } from "./summary.ts";

/** One level of a concurrency sweep. */
export interface CurvePoint {
  model_key: string;
  scenario: string;
  concurrency: number;
  /** All output tokens ÷ wall time of the level's concurrent windows (higher is better). */
  aggregate_tokens_per_s: Estimate;
  /** Per-request percentiles at this level (lower is better). */
  ttft_p50_ms: Estimate;
  ttft_p90_ms: Estimate;
  itl_p50_ms: Estimate;
  itl_p90_ms: Estimate;
  /** Per-stream output tokens/s (mean). */
  stream_tokens_per_s: number | null;
  /** The knee of this curve (see {@linkcode kneeIndex}). */
  knee: boolean;
}

/**
 * The knee of an increasing throughput–latency curve (levels in ascending order): after scaling
 * throughput and latency each to [0, 1] over the curve, the level farthest below the diagonal,
 * i.e. the largest (throughput gained − latency paid) share (Satopää et al. 2011, "Kneedle", for
 * a curve that bends upward). Past it, more concurrency buys little throughput for much latency.
 * Fewer than 3 levels, or a curve without spread, has no knee (null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kneeIndex } from "./concurrency.ts";
 * // Throughput saturates at the third level while latency keeps climbing.
 * assert.equal(kneeIndex([100, 190, 260, 270], [20, 22, 30, 60]), 2);
 * ```
 */
export function kneeIndex(
  throughput: readonly number[],
  latency: readonly number[],
): number | null {
  if (throughput.length !== latency.length || throughput.length < 3) return null;
  const scale = (xs: readonly number[]) => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return hi > lo ? xs.map((x) => (x - lo) / (hi - lo)) : null;
  };
  const x = scale(throughput);
  const y = scale(latency);
  if (!x || !y) return null;
  let best = -Infinity;
  let at: number | null = null;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    if (d > best + 1e-12) {
      best = d;
      at = i;
    }
  }
  return at !== null && best > 0 ? at : null;
}

/**
 * The curves of summaries (one summary per model, scenario and concurrency level): points sorted
 * by model, scenario and level, the knee of each curve marked on aggregate tokens/s against p50
 * ITL (the per-token delay every stream feels); TTFT p50 where no ITL was recorded.
 */
export function throughputLatencyCurve(summaries: readonly PerfSummary[]): CurvePoint[] {
  const groups = new Map<string, PerfSummary[]>();
  for (const s of summaries) {
    const k = `${s.model_key}\u0000${s.scenario}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const out: CurvePoint[] = [];
  for (const [, list] of [...groups].sort(([a], [b]) => a < b ? -1 : 1)) {
    const sorted = [...list].sort((a, b) => a.concurrency - b.concurrency);
    const points: CurvePoint[] = sorted.map((s) => {
      const a = s.aggregate_output_tokens_per_s;
      return {
        model_key: s.model_key,
        scenario: s.scenario,
        concurrency: s.concurrency,
        aggregate_tokens_per_s: {
          value: a?.value ?? null,
          ci95: a?.ci95 ?? null,
          ci_method: a?.ci_method ?? "bca_bootstrap",
        },
        ttft_p50_ms: s.latency.ttft_ms.p50,
        ttft_p90_ms: s.latency.ttft_ms.p90,
        itl_p50_ms: s.latency.itl_ms.p50,
        itl_p90_ms: s.latency.itl_ms.p90,
        stream_tokens_per_s: s.output_tokens_per_s.mean.value,
        knee: false,
      };
    });
    const usable = points.filter((p) =>
      p.aggregate_tokens_per_s.value !== null &&
      (p.itl_p50_ms.value !== null || p.ttft_p50_ms.value !== null)
    );
    const useItl = usable.every((p) => p.itl_p50_ms.value !== null);
    const knee = kneeIndex(
      usable.map((p) => p.aggregate_tokens_per_s.value!),
      usable.map((p) => (useItl ? p.itl_p50_ms.value : p.ttft_p50_ms.value)!),
    );
    if (knee !== null) usable[knee].knee = true;
    out.push(...points);
  }
  return out;
}
