/**
 * The report's measurement-depth tables: latency percentiles (p50/p90/p99 of TTFT, ITL and E2E
 * with request-level bootstrap intervals), length-sweep curves and their TTFT fit, and the
 * throughput–latency curves of concurrency sweeps with their knees. Computed from the loaded perf
 * frame (and its inter-token gaps) with lib/perf's definitions.
 * @module
 */
import pl from "nodejs-polars";
import {
  clusterQuantileMethod,
  clusterQuantileMethodOf,
  clusterQuantiles,
  kneeIndex,
  type SweepFit,
  sweepFits,
  type SweepPoint,
  sweepPoints,
  type SweepSample,
  woodruffOfSorted,
} from "../perf/mod.ts";
import type { Estimate } from "../stats/mod.ts";
import {
  distinctText,
  droppedRows,
  finiteSeries,
  type GroupIndex,
  groupsOf,
  numericValues,
  sortedValues,
} from "./_frame.ts";
import type { ResultSet } from "./load.ts";
import { KEYS as PERF_KEYS } from "./performance.ts";

/** Grouping of the percentile rows: the performance table's keys (with the concurrency). */
const KEYS = PERF_KEYS;

/** One row of the percentile table (flat, for CSV). */
export interface PercentileRow {
  model_key: string;
  format: string;
  quantization: string;
  scenario: string;
  round: string;
  runner: string;
  concurrency: number;
  /** Measured successful requests. */
  n: number;
  ttft_p50: number | null;
  ttft_p50_lo: number | null;
  ttft_p50_hi: number | null;
  ttft_p90: number | null;
  ttft_p90_lo: number | null;
  ttft_p90_hi: number | null;
  ttft_p99: number | null;
  ttft_p99_lo: number | null;
  ttft_p99_hi: number | null;
  itl_p50: number | null;
  itl_p50_lo: number | null;
  itl_p50_hi: number | null;
  itl_p90: number | null;
  itl_p90_lo: number | null;
  itl_p90_hi: number | null;
  itl_p99: number | null;
  itl_p99_lo: number | null;
  itl_p99_hi: number | null;
  e2e_p50: number | null;
  e2e_p50_lo: number | null;
  e2e_p50_hi: number | null;
  e2e_p90: number | null;
  e2e_p90_lo: number | null;
  e2e_p90_hi: number | null;
  e2e_p99: number | null;
  e2e_p99_lo: number | null;
  e2e_p99_hi: number | null;
  /** Requests with chunk arrival times, and the gaps pooled into ITL. */
  itl_requests: number;
  itl_gaps: number;
  /** Gaps that end in a chunk of several tokens (not per-token latency). */
  multi_token_gaps: number;
  ci_method: string;
  run_ids: string;
  config_hashes: string;
}

const LEVELS = [0.5, 0.9, 0.99];

const uniq = distinctText;

type Flat = Pick<
  PercentileRow,
  `${"ttft" | "itl" | "e2e"}_${"p50" | "p90" | "p99"}${"" | "_lo" | "_hi"}`
>;

function flat(
  prefix: "ttft" | "itl" | "e2e",
  est: Estimate[],
): Partial<Flat> {
  const out: Record<string, number | null> = {};
  ["p50", "p90", "p99"].forEach((p, i) => {
    out[`${prefix}_${p}`] = est[i].value;
    out[`${prefix}_${p}_lo`] = est[i].ci95?.[0] ?? null;
    out[`${prefix}_${p}_hi`] = est[i].ci95?.[1] ?? null;
  });
  return out as Partial<Flat>;
}

/**
 * The percentiles of a per-request column (TTFT, E2E: one value per request), as
 * `clusterQuantiles` gives them with one value per group: with Woodruff's interval, from the column
 * sorted by Polars (a hundred thousand values are not copied into arrays of one value, nor sorted
 * in JavaScript); with the bootstrap, through `clusterQuantiles`.
 */
function perRequest(
  ok: pl.DataFrame,
  column: string,
  seed: number,
  method: "percentile_bootstrap" | "woodruff",
): Estimate[] {
  if (method === "woodruff") return woodruffOfSorted(sortedValues(ok, column), LEVELS);
  return clusterQuantiles(numericValues(ok, column).map((x) => [x]), LEVELS, { seed, method });
}

/** Options for {@linkcode percentileTable}. */
export interface PercentileTableOptions {
  /** Bootstrap seed. @default 42 */
  seed?: number;
  /** The frame's groups by the performance keys, when already found (`groupIndex`). */
  groups?: GroupIndex;
}

/**
 * p50/p90/p99 of TTFT, ITL (gaps between successive content chunks, first excluded, pooled over
 * requests) and E2E per model × format × quantization × scenario × round × runner × concurrency,
 * over measured successful requests, each with a percentile bootstrap interval that resamples
 * requests.
 */
export function percentileTable(
  results: Pick<ResultSet, "perf" | "perfGaps">,
  options: PercentileTableOptions = {},
): PercentileRow[] {
  const seed = options.seed ?? 42;
  if (results.perf.height === 0) return [];
  const { start, gaps, multi } = results.perfGaps;
  const rows: PercentileRow[] = [];
  // Only the columns read here are copied into the groups.
  const narrow = results.perf.select(
    ...new Set([
      ...KEYS,
      "warmup",
      "ok",
      "ttft_ms",
      "e2e_ms",
      "chunks",
      "row",
      "run_id",
      "config_hash",
    ]),
  );
  for (const group of groupsOf(narrow, KEYS, options.groups)) {
    const ok = group.filter(pl.col("warmup").not().and(pl.col("ok")));
    if (ok.height === 0) continue;
    const first = ok.head(1).toRecords()[0] as Record<string, string | number>;
    // Requests with a value (what `numericValues` would give, counted in Polars).
    const ttftN = finiteSeries(ok, "ttft_ms").len();
    const e2eN = finiteSeries(ok, "e2e_ms").len();
    const itl: number[][] = [];
    let multiGaps = 0;
    const chunked = ok.filter(pl.col("chunks").isNotNull()).getColumn("row")
      .toTypedArray() as Int32Array;
    const withChunks = chunked.length;
    for (const row of chunked) {
      const g: number[] = [];
      for (let j = start[row]; j < start[row + 1]; j++) {
        g.push(gaps[j]);
        multiGaps += multi[j];
      }
      itl.push(g);
    }
    // One interval method per row: the bootstrap unless one of the three would be too long.
    const method = clusterQuantileMethodOf(ttftN, ttftN) === "woodruff" ||
        clusterQuantileMethodOf(e2eN, e2eN) === "woodruff" ||
        clusterQuantileMethod(itl) === "woodruff"
      ? "woodruff"
      : "percentile_bootstrap";
    rows.push({
      model_key: String(first.model_key),
      format: String(first.format),
      quantization: String(first.quantization),
      scenario: String(first.scenario),
      round: String(first.round_id),
      runner: String(first.runner),
      concurrency: Number(first.concurrency ?? 1),
      n: ok.height,
      ...flat("ttft", perRequest(ok, "ttft_ms", seed, method)),
      ...flat("itl", clusterQuantiles(itl, LEVELS, { seed, method })),
      ...flat("e2e", perRequest(ok, "e2e_ms", seed, method)),
      itl_requests: withChunks,
      itl_gaps: itl.reduce((s, g) => s + g.length, 0),
      multi_token_gaps: multiGaps,
      ci_method: method,
      run_ids: uniq(ok, "run_id"),
      config_hashes: uniq(ok, "config_hash"),
    } as PercentileRow);
    droppedRows(group.height);
  }
  const key = (r: PercentileRow) =>
    [r.model_key, r.format, r.quantization, r.scenario, r.round, r.runner].join("\u0000");
  return rows.sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.concurrency - b.concurrency
  );
}

/** The length sweeps of a result set: per model and point the curves, and per model the fit. */
export interface SweepCurves {
  points: SweepPoint[];
  fits: SweepFit[];
}

/** The sweep requests of the frame (measured, successful), for lib/perf's curves and fit. */
export function sweepCurves(results: Pick<ResultSet, "perf">): SweepCurves {
  if (results.perf.height === 0) return { points: [], fits: [] };
  const sweep = results.perf.filter(
    pl.col("sweep_prompt_tokens").isNotNull().and(pl.col("warmup").not()).and(pl.col("ok")),
  );
  const samples: SweepSample[] = (sweep.toRecords() as Record<string, unknown>[]).map((r) => ({
    run_id: r.run_id as string,
    config_hash: r.config_hash as string,
    model_key: r.model_key as string,
    prompt_tokens_target: r.sweep_prompt_tokens as number,
    output_tokens_target: r.sweep_output_tokens as number,
    prompt_tokens: r.prompt_tokens as number | null,
    prompt_exact: r.sweep_prompt_exact === true,
    prompt_token_method: null,
    output_tokens: r.output_tokens as number | null,
    ttft_ms: r.ttft_ms as number | null,
    prefill_tokens_per_s: r.prefill_tokens_per_s as number | null,
    output_tokens_per_s: r.output_tokens_per_s as number | null,
    peak_rss_bytes: r.peak_rss_bytes as number | null,
    joules_per_token: r.energy_j_per_token as number | null,
  }));
  return { points: sweepPoints(samples), fits: sweepFits(samples) };
}

/** One level of a concurrency sweep in the report. */
export interface ThroughputLatencyRow {
  model_key: string;
  format: string;
  quantization: string;
  scenario: string;
  round: string;
  concurrency: number;
  aggregate_tps: number | null;
  aggregate_tps_lo: number | null;
  aggregate_tps_hi: number | null;
  ttft_p50: number | null;
  ttft_p90: number | null;
  itl_p50: number | null;
  itl_p90: number | null;
  /** The knee of this (model, scenario) curve (see lib/perf `kneeIndex`). */
  knee: boolean;
  run_ids: string;
  config_hashes: string;
}

/**
 * The throughput–latency curves: every (model, format, quantization, scenario, round) measured at
 * two or more concurrency levels, one row per level with its aggregate output tokens/s and the
 * per-request TTFT and ITL percentiles, the knee marked on aggregate tokens/s against p50 ITL
 * (p50 TTFT where no ITL was recorded).
 */
export function throughputLatencyRows(
  performance: readonly {
    model_key: string;
    format: string;
    quantization: string;
    scenario: string;
    round: string;
    runner: string;
    concurrency: number;
    aggregate_tps: number | null;
    aggregate_tps_lo: number | null;
    aggregate_tps_hi: number | null;
    run_ids: string;
    config_hashes: string;
  }[],
  percentiles: readonly PercentileRow[],
): ThroughputLatencyRow[] {
  const id = (
    r: { model_key: string; format: string; quantization: string; scenario: string; round: string },
  ) => [r.model_key, r.format, r.quantization, r.scenario, r.round].join("\u0000");
  const curves = new Map<string, ThroughputLatencyRow[]>();
  for (const p of performance) {
    const q = percentiles.find((x) =>
      id(x) === id(p) && x.runner === p.runner && x.concurrency === p.concurrency
    );
    const row: ThroughputLatencyRow = {
      model_key: p.model_key,
      format: p.format,
      quantization: p.quantization,
      scenario: p.scenario,
      round: p.round,
      concurrency: p.concurrency,
      aggregate_tps: p.aggregate_tps,
      aggregate_tps_lo: p.aggregate_tps_lo,
      aggregate_tps_hi: p.aggregate_tps_hi,
      ttft_p50: q?.ttft_p50 ?? null,
      ttft_p90: q?.ttft_p90 ?? null,
      itl_p50: q?.itl_p50 ?? null,
      itl_p90: q?.itl_p90 ?? null,
      knee: false,
      run_ids: p.run_ids,
      config_hashes: p.config_hashes,
    };
    curves.set(id(p), [...(curves.get(id(p)) ?? []), row]);
  }
  const out: ThroughputLatencyRow[] = [];
  for (const rows of curves.values()) {
    if (new Set(rows.map((r) => r.concurrency)).size < 2) continue;
    rows.sort((a, b) => a.concurrency - b.concurrency);
    const usable = rows.filter((r) =>
      r.aggregate_tps !== null && (r.itl_p50 ?? r.ttft_p50) !== null
    );
    const useItl = usable.every((r) => r.itl_p50 !== null);
    const knee = kneeIndex(
      usable.map((r) => r.aggregate_tps!),
      usable.map((r) => (useItl ? r.itl_p50 : r.ttft_p50)!),
    );
    if (knee !== null) usable[knee].knee = true;
    out.push(...rows);
  }
  return out;
}
