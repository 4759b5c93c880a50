import type { RoundsSummary } from "./summary.ts";
import type { SweepRow } from "./sweep.ts";

const n = (
  x: number | null | undefined,
  d = 1,
) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(d)));
const ci = (
  c: [number, number] | null,
  d = 1,
) => (c ? `[${c[0].toFixed(d)}, ${c[1].toFixed(d)}]` : "");
const rel = (
  x: number | null,
) => (x === null ? "" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`);

/**
 * Flat rows of a rounds summary: each round's means and its change against baseline with CIs
 * (means: BCa bootstrap; Δ of means: Welch; Δquality: Tango's paired interval, * = McNemar
 * p < 0.05), and for concurrent rounds the aggregate throughput beside the per-request one.
 */
export function roundsRows(summary: RoundsSummary): Record<string, string | number | null>[] {
  const quality = new Map(summary.quality.map((q) => [q.round, q]));
  return summary.performance.map((p) => {
    const d = p.vs_baseline;
    const q = quality.get(p.round);
    return {
      round: p.round,
      scenario: p.scenario,
      n: p.n,
      "mean CI": p.ttft_ms.ci_method,
      "Δ CI": d?.ttft_ms.method ?? "",
      ttft_ms: n(p.ttft_ms.value),
      "Δttft_ms [95% CI]": d?.ttft_ms.value != null
        ? `${n(d.ttft_ms.value)} ${ci(d.ttft_ms.ci95)}${d.ttft_ms.significant ? " *" : ""}`
        : "",
      "Δttft %": d ? rel(d.ttft_ms.relative) : "",
      output_tps: n(p.output_tokens_per_s.value),
      "Δtps [95% CI]": d?.output_tokens_per_s.value != null
        ? `${n(d.output_tokens_per_s.value)} ${ci(d.output_tokens_per_s.ci95)}${
          d.output_tokens_per_s.significant ? " *" : ""
        }`
        : "",
      "Δtps %": d ? rel(d.output_tokens_per_s.relative) : "",
      concurrency: p.concurrency,
      aggregate_tps: n(p.aggregate_output_tokens_per_s?.value),
      "aggregate tps 95% CI": ci(p.aggregate_output_tokens_per_s?.ci95 ?? null),
      "Δaggregate %": d ? rel(d.aggregate_output_tokens_per_s_relative) : "",
      peak_mib: n(p.peak_rss_bytes.value === null ? null : p.peak_rss_bytes.value / 2 ** 20),
      "Δpeak %": d ? rel(d.peak_rss_bytes.relative) : "",
      quality: q?.accuracy.value ?? null,
      "Δquality [95% CI]": q?.vs_baseline?.value != null
        ? `${n(q.vs_baseline.value, 3)} ${ci(q.vs_baseline.ci95, 3)}${
          q.vs_baseline.significant ? " *" : ""
        }`
        : "",
      "quality test": q?.vs_baseline?.p_value != null
        ? `${q.vs_baseline.test === "mcnemar_exact" ? "McNemar exact" : "McNemar"} p=${
          q.vs_baseline.p_value.toPrecision(2)
        } (${q.vs_baseline.discordant} discordant of ${q.vs_baseline.n})`
        : "",
      draft_acceptance: n(p.draft_acceptance_rate, 2),
    };
  });
}

/** Flat rows of a precision-vs-size sweep. */
export function sweepRows(rows: readonly SweepRow[]): Record<string, string | number | null>[] {
  return rows.map((r) => ({
    model: r.model_key,
    quantization: r.quantization,
    parameters: r.parameters,
    bits_per_weight: n(r.bits_per_weight, 2),
    file_mib: n(r.file_size_bytes === null ? null : r.file_size_bytes / 2 ** 20, 2),
    scenario: r.scenario,
    "mean CI": r.ttft_ms.ci_method,
    ttft_ms: n(r.ttft_ms.value),
    "ttft 95% CI": ci(r.ttft_ms.ci95),
    output_tps: n(r.output_tokens_per_s.value),
    "tps 95% CI": ci(r.output_tokens_per_s.ci95),
    peak_mib: n(r.peak_rss_bytes.value === null ? null : r.peak_rss_bytes.value / 2 ** 20),
    quality: r.quality ? n(r.quality.value, 3) : null,
    "quality 95% CI": r.quality ? ci(r.quality.ci95, 3) : "",
  }));
}
