/**
 * Optimization rounds against baseline and the precision-vs-size sweep, from the summaries
 * `deno task rounds` writes (`rounds_*.json`, `sweep_*.json`), as flat rows for the report,
 * CSV and figures. Differences are the summaries' own (Welch for means, Newcombe for accuracy).
 * @module
 */
import type { ResultSet } from "./load.ts";

/** One round × scenario (or the quality subset) of one rounds run, with its change against baseline. */
export interface RoundsRow {
  model_key: string;
  format: string;
  quantization: string;
  round: string;
  status: string;
  /** A perf scenario, or `quality:<task>` for the fixed eval subset. */
  scenario: string;
  metric: "ttft_ms" | "output_tps" | "peak_ram_mib" | "accuracy";
  n: number;
  value: number | null;
  lo: number | null;
  hi: number | null;
  /** Round − baseline (null for the baseline itself). */
  diff: number | null;
  diff_lo: number | null;
  diff_hi: number | null;
  /** (round − baseline) ÷ baseline. */
  relative: number | null;
  significant: boolean | null;
  method: string;
  run_id: string;
  config_hash: string;
  file: string;
}

const MIB = 2 ** 20;

/** Every round of every rounds summary: perf metrics per scenario, then the quality subset. */
export function roundsTable(results: Pick<ResultSet, "rounds">): RoundsRow[] {
  const out: RoundsRow[] = [];
  for (const { file, summary: s } of results.rounds) {
    const status = new Map(s.rounds.map((r) => [r.id, r.status]));
    const base = {
      model_key: s.model_key,
      format: s.format,
      quantization: s.quantization,
      run_id: s.run_id,
      config_hash: s.config_hash,
      file,
    };
    for (const p of s.performance) {
      const metrics = [
        ["ttft_ms", p.ttft_ms, p.vs_baseline?.ttft_ms, 1],
        ["output_tps", p.output_tokens_per_s, p.vs_baseline?.output_tokens_per_s, 1],
        ["peak_ram_mib", p.peak_rss_bytes, p.vs_baseline?.peak_rss_bytes, MIB],
      ] as const;
      for (const [metric, m, d, scale] of metrics) {
        const sc = (x: number | null | undefined) =>
          x === null || x === undefined ? null : x / scale;
        out.push({
          ...base,
          round: p.round,
          status: status.get(p.round) ?? "run",
          scenario: p.scenario,
          metric,
          n: m.n,
          value: sc(m.value),
          lo: sc(m.ci95?.[0]),
          hi: sc(m.ci95?.[1]),
          diff: sc(d?.value),
          diff_lo: sc(d?.ci95?.[0]),
          diff_hi: sc(d?.ci95?.[1]),
          relative: d?.relative ?? null,
          significant: d ? d.significant : null,
          method: d ? (typeof d.ci_method === "string" ? d.ci_method : "welch") : "",
        });
      }
    }
    for (const q of s.quality) {
      out.push({
        ...base,
        round: q.round,
        status: status.get(q.round) ?? "run",
        scenario: `quality:${q.task}`,
        metric: "accuracy",
        n: q.accuracy.n,
        value: q.accuracy.value,
        lo: q.accuracy.ci95?.[0] ?? null,
        hi: q.accuracy.ci95?.[1] ?? null,
        diff: q.vs_baseline?.value ?? null,
        diff_lo: q.vs_baseline?.ci95?.[0] ?? null,
        diff_hi: q.vs_baseline?.ci95?.[1] ?? null,
        relative: q.vs_baseline?.relative ?? null,
        significant: q.vs_baseline ? q.vs_baseline.significant : null,
        method: q.vs_baseline
          ? (typeof q.vs_baseline.ci_method === "string" ? q.vs_baseline.ci_method : "newcombe")
          : "",
      });
    }
    for (const r of s.rounds.filter((r) => r.status !== "run")) {
      out.push({
        ...base,
        round: r.id,
        status: r.reason ? `${r.status}: ${r.reason}` : r.status,
        scenario: "",
        metric: "ttft_ms",
        n: 0,
        value: null,
        lo: null,
        hi: null,
        diff: null,
        diff_lo: null,
        diff_hi: null,
        relative: null,
        significant: null,
        method: "",
      });
    }
  }
  return out;
}

/** One model variant × scenario of a precision-vs-size sweep. */
export interface SweepTableRow {
  model_key: string;
  model_id: string;
  format: string;
  quantization: string;
  parameters: number | null;
  bits_per_weight: number | null;
  file_size_gib: number | null;
  scenario: string;
  ttft_ms: number | null;
  ttft_ms_lo: number | null;
  ttft_ms_hi: number | null;
  output_tps: number | null;
  output_tps_lo: number | null;
  output_tps_hi: number | null;
  peak_ram_gib: number | null;
  quality_task: string | null;
  quality: number | null;
  quality_lo: number | null;
  quality_hi: number | null;
  quality_n: number | null;
  run_id: string;
  config_hash: string;
  file: string;
}

type Estimate = { value: number | null; ci95: [number, number] | null };

/** What {@linkcode sweepTableRow} reads of a sweep row (lib/rounds' rows and the loaded ones). */
export interface SweepRowFields {
  model_key: string;
  model_id: string;
  format: string;
  quantization: string;
  parameters: number | null;
  bits_per_weight: number | null;
  file_size_bytes: number | null;
  scenario: string;
  ttft_ms: Estimate;
  output_tokens_per_s: Estimate;
  peak_rss_bytes: { value: number | null };
  quality?: (Estimate & { task: string; n: number }) | null;
  run_id: string;
  config_hash: string;
}

/** One precision-vs-size sweep row as a report table row; `file` is its source. */
export function sweepTableRow(r: SweepRowFields, file: string): SweepTableRow {
  return {
    model_key: r.model_key,
    model_id: r.model_id,
    format: r.format,
    quantization: r.quantization,
    parameters: r.parameters,
    bits_per_weight: r.bits_per_weight,
    file_size_gib: r.file_size_bytes === null ? null : r.file_size_bytes / 1024 ** 3,
    scenario: r.scenario,
    ttft_ms: r.ttft_ms.value,
    ttft_ms_lo: r.ttft_ms.ci95?.[0] ?? null,
    ttft_ms_hi: r.ttft_ms.ci95?.[1] ?? null,
    output_tps: r.output_tokens_per_s.value,
    output_tps_lo: r.output_tokens_per_s.ci95?.[0] ?? null,
    output_tps_hi: r.output_tokens_per_s.ci95?.[1] ?? null,
    peak_ram_gib: r.peak_rss_bytes.value === null ? null : r.peak_rss_bytes.value / 1024 ** 3,
    quality_task: r.quality?.task ?? null,
    quality: r.quality?.value ?? null,
    quality_lo: r.quality?.ci95?.[0] ?? null,
    quality_hi: r.quality?.ci95?.[1] ?? null,
    quality_n: r.quality?.n ?? null,
    run_id: r.run_id,
    config_hash: r.config_hash,
    file,
  };
}

/** Every sweep's rows (latest sweep first when a model appears in several). */
export function sweepTable(results: Pick<ResultSet, "sweeps">): SweepTableRow[] {
  const sweeps = [...results.sweeps].sort((a, b) =>
    a.sweep.created_at < b.sweep.created_at ? 1 : -1
  );
  return sweeps.flatMap(({ file, sweep }) => sweep.rows.map((r) => sweepTableRow(r, file)));
}
