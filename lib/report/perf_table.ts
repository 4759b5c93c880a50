import pl from "nodejs-polars";
import type { PerfSummary } from "../perf/mod.ts";

/**
 * One row of the performance table: means with 95 % CI bounds (flat, for CSV and Polars), the
 * intervals' method, and for concurrent runs the aggregate throughput beside the per-request one.
 */
export interface PerfRow {
  model_key: string;
  scenario: string;
  n: number;
  success_rate: number | null;
  /** Method of the mean intervals (bca_bootstrap). */
  ci_method: string;
  /** Requests in flight at once. */
  concurrency: number;
  ttft_ms: number | null;
  ttft_ms_lo: number | null;
  ttft_ms_hi: number | null;
  output_tps: number | null;
  output_tps_lo: number | null;
  output_tps_hi: number | null;
  /** All output tokens ÷ wall time of the concurrent windows (null without window timing). */
  aggregate_tps: number | null;
  aggregate_tps_lo: number | null;
  aggregate_tps_hi: number | null;
  e2e_ms: number | null;
  e2e_ms_lo: number | null;
  e2e_ms_hi: number | null;
  peak_rss_mib: number | null;
}

/** Flatten perf summaries into table rows. */
export function perfRows(summaries: readonly PerfSummary[]): PerfRow[] {
  return summaries.map((s) => ({
    model_key: s.model_key,
    scenario: s.scenario,
    n: s.n,
    success_rate: s.success_rate,
    ci_method: s.ttft_ms.mean.ci_method,
    concurrency: s.concurrency,
    ttft_ms: s.ttft_ms.mean.value,
    ttft_ms_lo: s.ttft_ms.mean.ci95?.[0] ?? null,
    ttft_ms_hi: s.ttft_ms.mean.ci95?.[1] ?? null,
    output_tps: s.output_tokens_per_s.mean.value,
    output_tps_lo: s.output_tokens_per_s.mean.ci95?.[0] ?? null,
    output_tps_hi: s.output_tokens_per_s.mean.ci95?.[1] ?? null,
    aggregate_tps: s.aggregate_output_tokens_per_s?.value ?? null,
    aggregate_tps_lo: s.aggregate_output_tokens_per_s?.ci95?.[0] ?? null,
    aggregate_tps_hi: s.aggregate_output_tokens_per_s?.ci95?.[1] ?? null,
    e2e_ms: s.e2e_ms.mean.value,
    e2e_ms_lo: s.e2e_ms.mean.ci95?.[0] ?? null,
    e2e_ms_hi: s.e2e_ms.mean.ci95?.[1] ?? null,
    peak_rss_mib: s.peak_rss_bytes === null ? null : s.peak_rss_bytes / (1024 * 1024),
  }));
}

/** Rows as a Polars DataFrame (one schema for CSV, notebooks and the report). */
export function perfFrame(rows: readonly PerfRow[]): pl.DataFrame {
  return pl.readRecords(rows as PerfRow[], { inferSchemaLength: rows.length || 1 });
}
