/**
 * Latency percentiles of a set of requests: p50, p90 and p99 of TTFT, inter-token latency (the
 * gaps between successive content chunks, pooled over requests) and E2E, each with a seeded
 * percentile bootstrap interval that resamples whole requests (the gaps of one request are not
 * independent of each other). Where that resampling would be too long (more than
 * {@linkcode BOOTSTRAP_WORK_LIMIT} value visits), Woodruff's interval with a cluster-robust
 * variance, which treats requests the same way, in one pass.
 * @module
 */
import {
  type CiMethod,
  type Estimate,
  normalQuantile,
  quantileOfSorted,
  seededRandom,
} from "../stats/mod.ts";
import { interChunkGaps } from "./_chunks.ts";

/** The three percentiles a latency is reported at. */
export interface PercentileSet {
  p50: Estimate;
  p90: Estimate;
  p99: Estimate;
}

/** What a request contributes (a perf record's timing and chunk fields). */
export interface LatencyRequest {
  ttft_ms: number | null;
  e2e_ms: number | null;
  chunk_offsets_ms?: number[] | null;
  chunk_tokens?: number[] | null;
}

/** Percentiles of TTFT, ITL and E2E over measured requests, and what the ITL was made of. */
export interface LatencyPercentiles {
  /** Lower is better. */
  ttft_ms: PercentileSet;
  /**
   * Lower is better. Gaps between successive content chunks of each request, the first chunk
   * excluded (AIPerf's inter-chunk latency), pooled over requests.
   */
  itl_ms: PercentileSet;
  /** Lower is better. */
  e2e_ms: PercentileSet;
  /** Requests with a TTFT. */
  requests: number;
  /** Requests with chunk arrival times (records written before them have none). */
  itl_requests: number;
  /** Gaps pooled into the ITL percentiles. */
  itl_gaps: number;
  /** Chunks counted over those requests. */
  chunks: number;
  /** Chunks that carried more than one token (null when no request says). */
  multi_token_chunks: number | null;
  /** Gaps that end in a multi-token chunk: not per-token latencies. */
  multi_token_gaps: number;
  /**
   * `percentile_bootstrap` over requests (a request's gaps stay together), or `woodruff` (its
   * cluster-robust variance, also by request) where the bootstrap would be too long.
   */
  ci_method: CiMethod;
  confidence: number;
  seed: number;
  resamples: number;
}

/** Options for {@linkcode latencyPercentiles} and {@linkcode clusterQuantiles}. */
export interface LatencyOptions {
  /** @default 42 */
  seed?: number;
  /** @default 2000 */
  resamples?: number;
  /** @default 0.95 */
  confidence?: number;
  /**
   * The interval method; by default the percentile bootstrap unless its work would pass
   * {@linkcode BOOTSTRAP_WORK_LIMIT} (see {@linkcode clusterQuantileMethod}).
   */
  method?: "percentile_bootstrap" | "woodruff";
}

const LEVELS = [0.5, 0.9, 0.99] as const;

/**
 * Type-7 quantiles at ascending `levels` of the multiset where value `i` of the ascending `sorted`
 * appears `weights[group[i]]` times.
 */
function weightedQuantiles(
  sorted: Float64Array,
  group: Uint32Array,
  weights: ArrayLike<number>,
  total: number,
  levels: readonly number[],
  out: Float64Array,
): void {
  let k = 0;
  let rank = 0; // ranks [rank, rank + w) hold sorted[i]
  const targets = levels.map((p) => (total - 1) * p);
  let i = 0;
  const valueAt = (r: number): number => {
    // Advance to the value holding rank r (r only grows).
    while (i < sorted.length) {
      const w = weights[group[i]];
      if (r < rank + w) return sorted[i];
      rank += w;
      i++;
    }
    return sorted[sorted.length - 1];
  };
  for (; k < levels.length; k++) {
    const h = targets[k];
    const lo = Math.floor(h);
    const a = valueAt(lo);
    const frac = h - lo;
    if (frac === 0) {
      out[k] = a;
      continue;
    }
    const savedI = i;
    const savedRank = rank;
    const b = valueAt(lo + 1);
    out[k] = a + frac * (b - a);
    // The next level's low rank is ≥ this one's: restart from the low value's position.
    i = savedI;
    rank = savedRank;
  }
}

/**
 * The most work (resamples × (groups + values), the values visited by the bootstrap) a percentile
 * bootstrap may take, about 0.5 s here; above it {@linkcode clusterQuantiles} uses Woodruff's
 * interval. 2,000 resamples of 12,500 single-value requests (a 100,000-record folder in 8 groups)
 * would be 5·10⁷.
 */
export const BOOTSTRAP_WORK_LIMIT = 2e7;

/**
 * The interval method {@linkcode clusterQuantiles} uses for these groups: `percentile_bootstrap`
 * while its work stays within {@linkcode BOOTSTRAP_WORK_LIMIT}, else `woodruff`.
 */
export function clusterQuantileMethod(
  groups: readonly (readonly number[])[],
  resamples = 2000,
): "percentile_bootstrap" | "woodruff" {
  let m = 0;
  let total = 0;
  for (const g of groups) {
    if (g.length === 0) continue;
    m++;
    total += g.length;
  }
  return clusterQuantileMethodOf(m, total, resamples);
}

/** {@linkcode clusterQuantileMethod} from the counts: `groups` non-empty groups of `values` in all. */
export function clusterQuantileMethodOf(
  groups: number,
  values: number,
  resamples = 2000,
): "percentile_bootstrap" | "woodruff" {
  return resamples * (groups + values) > BOOTSTRAP_WORK_LIMIT ? "woodruff" : "percentile_bootstrap";
}

/**
 * Woodruff's (1952) interval for quantile `p` of pooled clustered values: the share of values at or
 * below the estimate has a cluster-robust (ratio-estimator) standard error
 * se = √(m/(m−1) · Σ_g (a_g − F̂·n_g)²) / N over the m groups (a_g of the n_g values of group g lie
 * at or below it, N in all); the interval is the type-7 quantiles at p ∓ z·se. With one value per
 * group it is the normal-approximation order-statistic interval, se = √(F̂(1−F̂)/m).
 */
function woodruff(
  sorted: Float64Array,
  group: Uint32Array,
  lengths: readonly number[],
  p: number,
  value: number,
  z: number,
): [number, number] {
  const m = lengths.length;
  const total = sorted.length;
  if (m < 2) return [value, value];
  const below = new Float64Array(m);
  let count = 0;
  for (let i = 0; i < total && sorted[i] <= value; i++) {
    below[group[i]]++;
    count++;
  }
  const share = count / total;
  let sum = 0;
  for (let g = 0; g < m; g++) sum += (below[g] - share * lengths[g]) ** 2;
  const se = Math.sqrt(sum * m / (m - 1)) / total;
  const lo = quantileOfSorted(sorted, Math.max(0, p - z * se));
  const hi = quantileOfSorted(sorted, Math.min(1, p + z * se));
  return [Math.min(lo, value), Math.max(hi, value)];
}

/**
 * {@linkcode woodruff} when every group holds one value (TTFT, E2E: one per request), without the
 * group bookkeeping: with a_g ∈ {0, 1}, Σ_g (a_g − F̂)² = m·F̂·(1 − F̂), so the same interval.
 */
function singleValueWoodruff(
  groups: readonly (readonly number[])[],
  levels: readonly number[],
  confidence: number,
): Estimate[] {
  const m = groups.length;
  const sorted = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const v = groups[i][0];
    if (!Number.isFinite(v)) {
      throw new RangeError(`clusterQuantiles() needs finite values: current value is ${v}`);
    }
    sorted[i] = v;
  }
  return woodruffOfSorted(sorted.sort(), levels, confidence);
}

/**
 * Type-7 quantiles at `levels` of ascending finite values, one per request (TTFT, E2E), each with
 * Woodruff's interval: what {@linkcode clusterQuantiles} gives for one value per group with
 * `method: "woodruff"`, for values already sorted (lib/report sorts a column in Polars). With
 * a_g ∈ {0, 1}, Σ_g (a_g − F̂)² = m·F̂·(1 − F̂), so no group bookkeeping.
 */
export function woodruffOfSorted(
  sorted: Float64Array,
  levels: readonly number[],
  confidence = 0.95,
): Estimate[] {
  const m = sorted.length;
  if (m === 0) return levels.map(() => ({ value: null, ci95: null, ci_method: "woodruff" }));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return levels.map((p) => {
    const value = quantileOfSorted(sorted, p);
    if (m < 2) return { value, ci95: [value, value], ci_method: "woodruff" as const };
    // Values at or below the estimate (binary search for the first one above it).
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    const share = lo / m;
    const se = Math.sqrt(m * share * (1 - share) * m / (m - 1)) / m;
    const a = quantileOfSorted(sorted, Math.max(0, p - z * se));
    const b = quantileOfSorted(sorted, Math.min(1, p + z * se));
    return {
      value,
      ci95: [Math.min(a, value), Math.max(b, value)] as [number, number],
      ci_method: "woodruff" as const,
    };
  });
}

/**
 * Percentiles of values that come in groups (the gaps of each request), with a seeded percentile
 * bootstrap that resamples groups: each resample draws as many groups as there are, with
 * replacement, and takes the type-7 quantiles of all their values. Where the bootstrap's work
 * would pass {@linkcode BOOTSTRAP_WORK_LIMIT} (or `options.method` says so), Woodruff's interval
 * with a cluster-robust variance instead (`ci_method: "woodruff"`): at such sizes both give the
 * same interval to within the bootstrap's Monte Carlo error, and it takes one pass. Every interval
 * contains its estimate. Empty groups are ignored; no value at all gives nulls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clusterQuantiles } from "./_latency.ts";
 * const [p50] = clusterQuantiles([[10, 20], [30]], [0.5]);
 * assert.equal(p50.value, 20);
 * ```
 */
export function clusterQuantiles(
  groups: readonly (readonly number[])[],
  levels: readonly number[],
  options: LatencyOptions = {},
): Estimate[] {
  const seed = options.seed ?? 42;
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const kept = groups.filter((g) => g.length > 0);
  const ci_method: CiMethod = options.method ?? clusterQuantileMethod(kept, resamples);
  const total = kept.reduce((s, g) => s + g.length, 0);
  if (total === 0) return levels.map(() => ({ value: null, ci95: null, ci_method }));
  if (ci_method === "woodruff" && total === kept.length) {
    return singleValueWoodruff(kept, levels, confidence);
  }
  const pairs: [number, number][] = [];
  kept.forEach((g, gi) => {
    for (const v of g) {
      if (!Number.isFinite(v)) {
        throw new RangeError(`clusterQuantiles() needs finite values: current value is ${v}`);
      }
      pairs.push([v, gi]);
    }
  });
  pairs.sort((a, b) => a[0] - b[0]);
  const sorted = Float64Array.from(pairs, (p) => p[0]);
  const group = Uint32Array.from(pairs, (p) => p[1]);
  const lengths = kept.map((g) => g.length);
  const estimate = new Float64Array(levels.length);
  weightedQuantiles(sorted, group, new Uint32Array(kept.length).fill(1), total, levels, estimate);
  if (ci_method === "woodruff") {
    const z = normalQuantile(1 - (1 - confidence) / 2);
    return levels.map((p, k) => ({
      value: estimate[k],
      ci95: woodruff(sorted, group, lengths, p, estimate[k], z),
      ci_method,
    }));
  }
  const m = kept.length;
  const draws = levels.map(() => new Float64Array(resamples));
  const counts = new Uint32Array(m);
  const one = new Float64Array(levels.length);
  const random = seededRandom(seed);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let j = 0; j < m; j++) counts[Math.floor(random() * m)]++;
    let weight = 0;
    for (let g = 0; g < m; g++) weight += counts[g] * lengths[g];
    weightedQuantiles(sorted, group, counts, weight, levels, one);
    for (let k = 0; k < levels.length; k++) draws[k][r] = one[k];
  }
  const alpha = 1 - confidence;
  return levels.map((_, k) => {
    const d = draws[k].sort();
    const at = (p: number) => {
      const h = (d.length - 1) * p;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, d.length - 1);
      return d[lo] + (h - lo) * (d[hi] - d[lo]);
    };
    const value = estimate[k];
    return {
      value,
      ci95: [Math.min(at(alpha / 2), value), Math.max(at(1 - alpha / 2), value)],
      ci_method,
    };
  });
}

function set(estimates: Estimate[]): PercentileSet {
  return { p50: estimates[0], p90: estimates[1], p99: estimates[2] };
}

/**
 * p50/p90/p99 of TTFT, ITL and E2E over `requests` (pass measured, successful ones), each with its
 * percentile bootstrap interval over requests, and the multi-token chunks behind the ITL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyPercentiles } from "./_latency.ts";
 * const p = latencyPercentiles([
 *   { ttft_ms: 100, e2e_ms: 140, chunk_offsets_ms: [100, 120, 140] },
 *   { ttft_ms: 110, e2e_ms: 150, chunk_offsets_ms: [110, 130, 150] },
 * ]);
 * assert.deepEqual([p.itl_ms.p50.value, p.itl_gaps, p.ttft_ms.p50.value], [20, 4, 105]);
 * ```
 */
export function latencyPercentiles(
  requests: readonly LatencyRequest[],
  options: LatencyOptions = {},
): LatencyPercentiles {
  const ttft = requests.filter((r) => r.ttft_ms !== null).map((r) => [r.ttft_ms!]);
  const e2e = requests.filter((r) => r.e2e_ms !== null).map((r) => [r.e2e_ms!]);
  const withChunks = requests.filter((r) => Array.isArray(r.chunk_offsets_ms));
  const gaps = withChunks.map((r) => interChunkGaps(r.chunk_offsets_ms!));
  let multiChunks: number | null = null;
  let multiGaps = 0;
  for (const r of withChunks) {
    const tokens = r.chunk_tokens;
    if (!tokens) continue;
    multiChunks = (multiChunks ?? 0) + tokens.filter((k) => k > 1).length;
    for (let i = 1; i < tokens.length; i++) if (tokens[i] > 1) multiGaps++;
  }
  // One method for the three (the ITL's pooled gaps decide): one row, one interval method.
  const method = options.method ??
    [ttft, gaps, e2e].map((g) => clusterQuantileMethod(g, options.resamples)).reduce((a, b) =>
      a === "woodruff" ? a : b
    );
  const opts = { ...options, method };
  return {
    ttft_ms: set(clusterQuantiles(ttft, LEVELS, opts)),
    itl_ms: set(clusterQuantiles(gaps, LEVELS, opts)),
    e2e_ms: set(clusterQuantiles(e2e, LEVELS, opts)),
    requests: ttft.length,
    itl_requests: withChunks.length,
    itl_gaps: gaps.reduce((s, g) => s + g.length, 0),
    chunks: withChunks.reduce((s, r) => s + r.chunk_offsets_ms!.length, 0),
    multi_token_chunks: multiChunks,
    multi_token_gaps: multiGaps,
    ci_method: method,
    confidence: options.confidence ?? 0.95,
    seed: options.seed ?? 42,
    resamples: options.resamples ?? 2000,
  };
}
