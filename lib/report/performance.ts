/**
 * The performance table: one row per model × format × quantization × scenario × round × runner.
 * A row that pools several runs names each with its measured n, and says when their config hashes
 * differ; `pool: "latest"` keeps only the most recent run of each row instead.
 * @module
 */
import pl from "nodejs-polars";
import { aggregateThroughput, type WindowRequest } from "../perf/mod.ts";
import { type CiMethod, meanBootstrapCi, quantile } from "../stats/mod.ts";
import {
  countTrue,
  distinctText,
  droppedRows,
  type GroupIndex,
  groupsOf,
  numericValues,
} from "./_frame.ts";
import { bandOf, type Bands, performanceBand } from "./bands.ts";
import type { ResultSet } from "./load.ts";

const GIB = 1024 ** 3;

/**
 * One row of the performance table, flat for CSV and Polars. Timings are over measured requests
 * without error (warm-ups excluded), as in `summarizePerf`; peak RAM over every measured request.
 * Each measure has mean, 95 % interval (`_lo`, `_hi`; null for n < 2; seeded BCa bootstrap,
 * inside the values' range, named in `ci_method`), sd and n. Concurrent runs also have the
 * aggregate throughput (all output tokens ÷ wall time of each concurrent window).
 */
export interface PerformanceRow {
  model_key: string;
  model_id: string;
  backend: string;
  format: string;
  quantization: string;
  scenario: string;
  /** Optimization round ("" outside a rounds run). */
  round: string;
  /** Who measured (`edge-slm-bench`, or an imported runner such as fllama). */
  runner: string;
  /** Measured (non-warm-up) requests. */
  n: number;
  warmups: number;
  /** Method of every mean interval of the row (bca_bootstrap; t above 2,000 values). */
  ci_method: CiMethod;
  /** Requests in flight at once (continuous batching rounds); 1: sequential. */
  concurrency: number;
  succeeded: number;
  success_rate: number | null;
  ttft_ms: number | null;
  ttft_ms_lo: number | null;
  ttft_ms_hi: number | null;
  ttft_ms_sd: number | null;
  ttft_ms_n: number;
  ttft_ms_median: number | null;
  ttft_band: string | null;
  output_tps: number | null;
  output_tps_lo: number | null;
  output_tps_hi: number | null;
  output_tps_sd: number | null;
  output_tps_n: number;
  output_tps_median: number | null;
  output_tps_band: string | null;
  /** All output tokens ÷ wall time of the complete concurrent windows (null without windows). */
  aggregate_tps: number | null;
  aggregate_tps_lo: number | null;
  aggregate_tps_hi: number | null;
  /** Complete concurrent windows counted. */
  aggregate_windows: number;
  /**
   * Energy per output token (J): Σ joules ÷ Σ output tokens over measured successful requests
   * that measured energy (powermetrics or RAPL); null when none did, and at concurrency > 1
   * (each request's window holds the energy of all in flight).
   */
  energy_j_per_token: number | null;
  /** Mean energy per request (J), as above. */
  energy_j_per_request: number | null;
  /** Requests with an energy measurement. */
  energy_n: number;
  /** Measured requests flagged throttled (macOS thermal state or Low Power Mode). */
  throttled_n: number;
  /** Measured requests whose thermal state was known. */
  throttled_known: number;
  e2e_ms: number | null;
  e2e_ms_lo: number | null;
  e2e_ms_hi: number | null;
  e2e_ms_sd: number | null;
  e2e_ms_n: number;
  /** Per-request peak RSS of the serving processes, GiB (2^30 bytes). */
  peak_ram_gib: number | null;
  peak_ram_gib_lo: number | null;
  peak_ram_gib_hi: number | null;
  peak_ram_gib_sd: number | null;
  peak_ram_gib_n: number;
  /** Largest per-request peak (the band is judged on it). */
  peak_ram_gib_max: number | null;
  peak_ram_band: string | null;
  /** The scenario's prompt-cache mode: cold (prefix reuse defeated), warm, mixed, or "" (older records). */
  cache_mode: string;
  /** Measured successful requests whose record says how many prompt tokens were cached. */
  cache_reported: number;
  /** Of those, requests whose prompt came (mostly) from the server's cache. */
  cache_hits: number;
  /** Median cached prompt tokens over the requests that report it. */
  cached_tokens_median: number | null;
  /** A cold-cache row with cache hits: its TTFT is not a cold prefill. */
  cache_flag: boolean;
  /** Runs pooled in this row. */
  runs_n: number;
  /** Each run with its measured requests: `run_a (n=5); run_b (n=5)`. */
  runs_detail: string;
  /** The pooled runs have different config hashes. */
  mixed_configs: boolean;
  /** Runs, config hashes and files the row was computed from (space-separated). */
  run_ids: string;
  config_hashes: string;
  files: string;
}

/** The columns of {@linkcode PerformanceRow}, in CSV order. */
export const PERFORMANCE_COLUMNS = [
  "model_key",
  "model_id",
  "backend",
  "format",
  "quantization",
  "scenario",
  "round",
  "runner",
  "n",
  "warmups",
  "ci_method",
  "concurrency",
  "succeeded",
  "success_rate",
  "ttft_ms",
  "ttft_ms_lo",
  "ttft_ms_hi",
  "ttft_ms_sd",
  "ttft_ms_n",
  "ttft_ms_median",
  "ttft_band",
  "output_tps",
  "output_tps_lo",
  "output_tps_hi",
  "output_tps_sd",
  "output_tps_n",
  "output_tps_median",
  "output_tps_band",
  "aggregate_tps",
  "aggregate_tps_lo",
  "aggregate_tps_hi",
  "aggregate_windows",
  "energy_j_per_token",
  "energy_j_per_request",
  "energy_n",
  "throttled_n",
  "throttled_known",
  "e2e_ms",
  "e2e_ms_lo",
  "e2e_ms_hi",
  "e2e_ms_sd",
  "e2e_ms_n",
  "peak_ram_gib",
  "peak_ram_gib_lo",
  "peak_ram_gib_hi",
  "peak_ram_gib_sd",
  "peak_ram_gib_n",
  "peak_ram_gib_max",
  "peak_ram_band",
  "cache_mode",
  "cache_reported",
  "cache_hits",
  "cached_tokens_median",
  "cache_flag",
  "runs_n",
  "runs_detail",
  "mixed_configs",
  "run_ids",
  "config_hashes",
  "files",
] as const satisfies readonly (keyof PerformanceRow)[];

/** Options for {@linkcode performanceTable}. */
export interface PerformanceTableOptions {
  /** Bands to judge TTFT, tokens/s and peak RAM by; null: no band columns filled. @default null */
  bands?: Bands | null;
  /** Confidence level of the intervals. @default 0.95 */
  confidence?: number;
  /**
   * Several runs of one row: `all` pools their requests (the row names each run and its n),
   * `latest` keeps the run with the latest first request. @default "all"
   */
  pool?: "all" | "latest";
  /** The frame's groups by {@linkcode KEYS}, when already found (`groupIndex`). */
  groups?: GroupIndex;
}

/** The grouping of a performance row (and of the percentile rows of lib/report/depth.ts). */
export const KEYS = [
  "model_key",
  "model_id",
  "backend",
  "format",
  "quantization",
  "scenario",
  "round_id",
  "runner",
  "concurrency",
];

const values = numericValues;

function stat(xs: number[], confidence: number) {
  const m = meanBootstrapCi(xs, { confidence, range: [0, Infinity] });
  return {
    mean: m.mean,
    lo: m.ci95?.[0] ?? null,
    hi: m.ci95?.[1] ?? null,
    sd: m.sd,
    n: m.n,
    method: m.method,
  };
}

/** The perf frame's columns the performance table reads, besides {@linkcode KEYS}. */
const PERFORMANCE_INPUTS = [
  "file",
  "run_id",
  "config_hash",
  "cache_mode",
  "warmup",
  "ok",
  "prompt_cache_hit",
  "throttled",
  "ttft_ms",
  "e2e_ms",
  "output_tokens_per_s",
  "output_tokens",
  "peak_rss_bytes",
  "cached_prompt_tokens",
  "energy_j",
  "timestamp_ms",
  "window_id",
  "window_size",
  "window_sent_ms",
  "window_end_ms",
];

/** The columns read from a group's measured requests. */
const MEASURED_INPUTS = [
  "warmup",
  "ok",
  "run_id",
  "peak_rss_bytes",
  "concurrency",
  "throttled",
  "output_tokens",
  "window_id",
  "window_size",
  "window_sent_ms",
  "window_end_ms",
];

/** The columns read from a group's measured successful requests. */
const OK_INPUTS = [
  "warmup",
  "ok",
  "ttft_ms",
  "output_tokens_per_s",
  "e2e_ms",
  "output_tokens",
  "energy_j",
  "cache_mode",
  "cached_prompt_tokens",
  "prompt_cache_hit",
];

/** The measured records' batch windows, for the aggregate throughput. */
function windowRequests(measured: pl.DataFrame): WindowRequest[] {
  const rows = measured.filter(pl.col("window_id").isNotNull())
    .select("window_id", "window_size", "window_sent_ms", "window_end_ms", "ok", "output_tokens")
    .toRecords() as Record<string, number | boolean | null>[];
  return rows.map((r) => ({
    window: r.window_id as number,
    size: r.window_size as number,
    sent_ms: r.window_sent_ms as number | null,
    end_ms: r.window_end_ms as number | null,
    output_tokens: r.ok ? r.output_tokens as number | null : 0,
  }));
}

const uniq = distinctText;

/** The performance table of a result set, sorted by model key, format, quantization, scenario. */
export function performanceTable(
  results: Pick<ResultSet, "perf">,
  options: PerformanceTableOptions = {},
): PerformanceRow[] {
  const confidence = options.confidence ?? 0.95;
  const bands = options.bands ?? null;
  if (results.perf.height === 0) return [];
  const rows: PerformanceRow[] = [];
  // Only the columns the table reads are copied into the groups (a million rows of all of them
  // would be copied three times over: group, measured, succeeded).
  const narrow = results.perf.select(...new Set([...KEYS, ...PERFORMANCE_INPUTS]));
  for (let group of groupsOf(narrow, KEYS, options.groups)) {
    if (options.pool === "latest") group = latestRun(group);
    const first = group.head(1).toRecords()[0] as Record<string, string>;
    // Each filtered copy holds only the columns read from it.
    const measured = group.select(...MEASURED_INPUTS).filter(pl.col("warmup").not());
    const ok = group.select(...OK_INPUTS).filter(pl.col("warmup").not().and(pl.col("ok")));
    const ttft = values(ok, "ttft_ms");
    const tps = values(ok, "output_tokens_per_s");
    const t = stat(ttft, confidence);
    const s = stat(tps, confidence);
    const e = stat(values(ok, "e2e_ms"), confidence);
    const ramValues = values(measured, "peak_rss_bytes", GIB);
    const r = stat(ramValues, confidence);
    const ramMax = ramValues.length ? ramValues.reduce((a, b) => Math.max(a, b)) : null;
    const windows = windowRequests(measured);
    const aggregate = windows.length ? aggregateThroughput(windows) : null;
    const concurrency = values(measured, "concurrency").reduce((a, b) => Math.max(a, b), 1);
    const band = (v: number | null, b: keyof Bands["performance"]) =>
      bands ? bandOf(v, performanceBand(bands, first.scenario, b))?.label ?? null : null;
    const cache = promptCache(ok);
    const energy = energyOf(ok, concurrency);
    const throttledKnown = measured.height - measured.getColumn("throttled").nullCount();
    const perRun = runCounts(measured, group);
    rows.push({
      model_key: first.model_key,
      model_id: first.model_id,
      backend: first.backend,
      format: first.format,
      quantization: first.quantization,
      scenario: first.scenario,
      round: first.round_id,
      runner: first.runner,
      n: measured.height,
      warmups: group.height - measured.height,
      ci_method: t.method,
      concurrency,
      succeeded: ok.height,
      success_rate: measured.height ? ok.height / measured.height : null,
      ttft_ms: t.mean,
      ttft_ms_lo: t.lo,
      ttft_ms_hi: t.hi,
      ttft_ms_sd: t.sd,
      ttft_ms_n: t.n,
      ttft_ms_median: ttft.length ? quantile(ttft, 0.5) : null,
      ttft_band: band(t.mean, "ttft_ms"),
      output_tps: s.mean,
      output_tps_lo: s.lo,
      output_tps_hi: s.hi,
      output_tps_sd: s.sd,
      output_tps_n: s.n,
      output_tps_median: tps.length ? quantile(tps, 0.5) : null,
      output_tps_band: band(s.mean, "output_tokens_per_s"),
      aggregate_tps: aggregate?.value ?? null,
      aggregate_tps_lo: aggregate?.ci95?.[0] ?? null,
      aggregate_tps_hi: aggregate?.ci95?.[1] ?? null,
      aggregate_windows: aggregate?.windows ?? 0,
      ...energy,
      throttled_n: countTrue(measured, "throttled"),
      throttled_known: throttledKnown,
      e2e_ms: e.mean,
      e2e_ms_lo: e.lo,
      e2e_ms_hi: e.hi,
      e2e_ms_sd: e.sd,
      e2e_ms_n: e.n,
      peak_ram_gib: r.mean,
      peak_ram_gib_lo: r.lo,
      peak_ram_gib_hi: r.hi,
      peak_ram_gib_sd: r.sd,
      peak_ram_gib_n: r.n,
      peak_ram_gib_max: ramMax,
      peak_ram_band: band(ramMax, "peak_ram_gib"),
      ...cache,
      runs_n: perRun.length,
      runs_detail: perRun.map((r) => `${r.run_id} (n=${r.n})`).join("; "),
      mixed_configs: group.getColumn("config_hash").nUnique() > 1,
      run_ids: uniq(group, "run_id"),
      config_hashes: uniq(group, "config_hash"),
      files: uniq(group, "file"),
    });
    droppedRows(group.height);
  }
  const key = (r: PerformanceRow) =>
    [r.model_key, r.format, r.quantization, r.scenario, r.round, r.runner, r.model_id, r.backend]
      .join("\u0000");
  return rows.sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.concurrency - b.concurrency
  );
}

/** Energy per token and per request over the requests that measured it (concurrency 1 only). */
function energyOf(ok: pl.DataFrame, concurrency: number) {
  const rows = ok.filter(pl.col("energy_j").isNotNull());
  if (rows.height === 0 || concurrency > 1) {
    return { energy_j_per_token: null, energy_j_per_request: null, energy_n: rows.height };
  }
  const joules = values(rows, "energy_j").reduce((s, v) => s + v, 0);
  const tokens = values(rows, "output_tokens").reduce((s, v) => s + v, 0);
  return {
    energy_j_per_token: tokens > 0 ? joules / tokens : null,
    energy_j_per_request: joules / rows.height,
    energy_n: rows.height,
  };
}

/** The run of `group` whose first request is the latest (ties: the greatest run id). */
function latestRun(group: pl.DataFrame): pl.DataFrame {
  const starts = group.groupBy("run_id").agg(pl.col("timestamp_ms").min().alias("t"))
    .toRecords() as { run_id: string; t: number | null }[];
  starts.sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity) || (a.run_id < b.run_id ? -1 : 1));
  return group.filter(pl.col("run_id").eq(pl.lit(starts.at(-1)!.run_id)));
}

/** Measured requests per run, in run-id order (runs with only warm-ups show n=0). */
function runCounts(measured: pl.DataFrame, group: pl.DataFrame): { run_id: string; n: number }[] {
  const counts = new Map<string, number>();
  for (const id of group.getColumn("run_id").unique().toArray() as string[]) counts.set(id, 0);
  const perRun = measured.groupBy("run_id").agg(pl.col("warmup").count().alias("n"))
    .toRecords() as { run_id: string; n: number }[];
  for (const r of perRun) counts.set(r.run_id, Number(r.n));
  return [...counts].sort(([a], [b]) => a < b ? -1 : 1).map(([run_id, n]) => ({ run_id, n }));
}

/** The prompt cache over measured successful requests, as lib/perf's summary counts it. */
function promptCache(ok: pl.DataFrame) {
  const modes = new Set(
    (ok.getColumn("cache_mode").unique().toArray() as string[]).filter(Boolean),
  );
  const mode = modes.size > 1 ? "mixed" : modes.size === 1 ? [...modes][0] : "";
  const cached = values(ok, "cached_prompt_tokens").sort((a, b) => a - b);
  const hits = countTrue(ok, "prompt_cache_hit");
  return {
    cache_mode: mode,
    cache_reported: cached.length,
    cache_hits: hits,
    cached_tokens_median: cached.length ? quantile(cached, 0.5) : null,
    cache_flag: mode === "cold" && hits > 0,
  };
}
