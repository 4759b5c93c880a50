/**
 * Aggregate throughput of concurrent requests (continuous batching): all output tokens of a
 * concurrent window ÷ the window's wall time, beside the per-request tokens/s of each stream.
 * @module
 */
import { bootstrapCi, type CiMethod } from "../stats/mod.ts";

/** What one request contributes to its window (a perf record's `batch_window` and tokens). */
export interface WindowRequest {
  /** The window's id (`batch_window.id`). */
  window: number;
  /** Requests sent in the window (`batch_window.size`). */
  size: number;
  sent_ms: number | null;
  end_ms: number | null;
  /** Output tokens of a request without error; 0 or null otherwise. */
  output_tokens: number | null;
}

/** Aggregate output tokens/s over complete windows, with a bootstrap interval over windows. */
export interface AggregateThroughput {
  /** Σ output tokens ÷ Σ window wall time (s) over complete windows; null without one. */
  value: number | null;
  /** BCa bootstrap over windows (null below 2 windows); inside [0, ∞), containing `value`. */
  ci95: [number, number] | null;
  ci_method: CiMethod;
  /** Complete windows counted (every request of the window recorded, with its timing). */
  windows: number;
  /** Largest window size: the requests in flight at once. */
  concurrency: number;
  /** Σ output tokens over the counted windows. */
  output_tokens: number;
  /** Σ wall time of the counted windows (ms). */
  wall_ms: number;
}

/** Options for {@linkcode aggregateThroughput}. */
export interface AggregateThroughputOptions {
  /** Bootstrap seed. @default 42 */
  seed?: number;
}

/**
 * Aggregate throughput: per window, wall time = last `end_ms` − first `sent_ms` of its requests
 * and tokens = Σ output tokens; value = Σ tokens ÷ Σ wall time. A window counts only when all
 * `size` of its requests are present with timing (a window cut by a crash and resumed is left
 * out). With concurrency 1 every window is one request, and the value is output tokens ÷ E2E
 * time (prefill included), the figure to compare a batching round with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregateThroughput } from "./_aggregate.ts";
 * // Two streams of 50 tokens each, sent together, both done after 1 s: 100 tokens/s.
 * const a = aggregateThroughput([
 *   { window: 1, size: 2, sent_ms: 0, end_ms: 1000, output_tokens: 50 },
 *   { window: 1, size: 2, sent_ms: 2, end_ms: 990, output_tokens: 50 },
 * ]);
 * assert.deepEqual([a.value, a.windows, a.concurrency], [100, 1, 2]);
 * ```
 */
export function aggregateThroughput(
  requests: readonly WindowRequest[],
  options: AggregateThroughputOptions = {},
): AggregateThroughput {
  const byWindow = new Map<number, WindowRequest[]>();
  for (const r of requests) byWindow.set(r.window, [...(byWindow.get(r.window) ?? []), r]);
  const tokens: number[] = [];
  const walls: number[] = [];
  let concurrency = 0;
  for (const members of byWindow.values()) {
    const size = members[0].size;
    concurrency = Math.max(concurrency, size);
    if (members.length !== size) continue;
    if (members.some((m) => m.sent_ms === null || m.end_ms === null)) continue;
    const wall = Math.max(...members.map((m) => m.end_ms!)) -
      Math.min(...members.map((m) => m.sent_ms!));
    if (!(wall > 0)) continue;
    walls.push(wall);
    tokens.push(members.reduce((s, m) => s + (m.output_tokens ?? 0), 0));
  }
  const ci_method: CiMethod = "bca_bootstrap";
  const totalTokens = tokens.reduce((s, x) => s + x, 0);
  const totalWall = walls.reduce((s, x) => s + x, 0);
  if (walls.length === 0) {
    return {
      value: null,
      ci95: null,
      ci_method,
      windows: 0,
      concurrency,
      output_tokens: 0,
      wall_ms: 0,
    };
  }
  const value = totalTokens / (totalWall / 1000);
  let ci95: [number, number] | null = null;
  if (walls.length >= 2) {
    const indices = walls.map((_, i) => i);
    const ratio = (sample: readonly number[]) => {
      let t = 0;
      let w = 0;
      for (const i of sample) {
        t += tokens[i];
        w += walls[i];
      }
      return t / (w / 1000);
    };
    ci95 = bootstrapCi(indices, ratio, { seed: options.seed ?? 42, method: "bca" }).ci95;
  }
  return {
    value,
    ci95,
    ci_method,
    windows: walls.length,
    concurrency,
    output_tokens: totalTokens,
    wall_ms: totalWall,
  };
}
