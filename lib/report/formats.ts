/** GGUF vs MLX: the same model (same model id) measured in both formats. @module */
import {
  capabilityDifference,
  type Difference,
  type SamplesBySummary,
  welchDifference,
} from "./_diff.ts";
import type { CapabilityRow } from "./capability.ts";
import type { PerformanceRow } from "./performance.ts";

/** One metric of one model in both formats: MLX − GGUF with its 95 % interval. */
export interface FormatComparisonRow {
  model_id: string;
  kind: "performance" | "capability";
  /** Scenario (performance) or task (capability). */
  unit: string;
  metric: string;
  higher_is_better: boolean;
  gguf_key: string;
  gguf_quantization: string;
  gguf: number | null;
  gguf_lo: number | null;
  gguf_hi: number | null;
  mlx_key: string;
  mlx_quantization: string;
  mlx: number | null;
  mlx_lo: number | null;
  mlx_hi: number | null;
  /** MLX − GGUF. */
  diff: number | null;
  diff_lo: number | null;
  diff_hi: number | null;
  /** The interval of the difference excludes zero. */
  excludes_zero: boolean | null;
  /** The better format when the difference is significant, else null. */
  better: "GGUF" | "MLX" | null;
  /**
   * welch (means); tango_score (accuracy) and paired_bca_bootstrap (macro-F1) when both formats
   * answered the same samples, else newcombe (accuracy) and normal-from-ci (macro-F1).
   */
  method: string;
  /** McNemar's p-value of a paired accuracy comparison; else null. */
  p_value: number | null;
  run_ids: string;
  config_hashes: string;
}

/** Performance measures compared: row field, higher is better. */
export const PERF_METRICS = [
  { metric: "ttft_ms", higher: false },
  { metric: "output_tps", higher: true },
  { metric: "e2e_ms", higher: false },
  { metric: "peak_ram_gib", higher: false },
] as const;

function verdict(d: Difference, higher: boolean): "GGUF" | "MLX" | null {
  if (!d.significant || d.diff === null) return null;
  return (d.diff > 0) === higher ? "MLX" : "GGUF";
}

function pairs<T extends { model_id: string; format: string }>(
  rows: readonly T[],
  unit: (r: T) => string,
): [T, T][] {
  const out: [T, T][] = [];
  for (const g of rows.filter((r) => r.format === "GGUF")) {
    for (const m of rows.filter((r) => r.format === "MLX")) {
      if (g.model_id === m.model_id && unit(g) === unit(m)) out.push([g, m]);
    }
  }
  return out;
}

const join = (...xs: string[]) =>
  [...new Set(xs.flatMap((x) => x.split(" ")).filter(Boolean))].sort().join(" ");

/** One GGUF vs MLX row: both sides' value and interval, the difference and its verdict. */
function comparisonRow<R extends { model_id: string; model_key: string; quantization: string }>(
  kind: FormatComparisonRow["kind"],
  unit: string,
  metric: string,
  higher: boolean,
  g: R,
  m: R,
  d: Difference,
  sources: { run_ids: string; config_hashes: string },
): FormatComparisonRow {
  const at = (r: R, k: string) => (r as unknown as Record<string, number | null>)[k];
  return {
    model_id: g.model_id,
    kind,
    unit,
    metric,
    higher_is_better: higher,
    gguf_key: g.model_key,
    gguf_quantization: g.quantization,
    gguf: at(g, metric),
    gguf_lo: at(g, `${metric}_lo`),
    gguf_hi: at(g, `${metric}_hi`),
    mlx_key: m.model_key,
    mlx_quantization: m.quantization,
    mlx: at(m, metric),
    mlx_lo: at(m, `${metric}_lo`),
    mlx_hi: at(m, `${metric}_hi`),
    diff: d.diff,
    diff_lo: d.lo,
    diff_hi: d.hi,
    excludes_zero: d.significant,
    better: verdict(d, higher),
    method: d.method,
    p_value: d.p_value ?? null,
    ...sources,
  };
}

/**
 * The GGUF vs MLX table: every model id measured in both formats, per scenario and task. With
 * the runs' per-sample outcomes (`samplesBySummary(results.eval)`), capability runs over the same
 * samples are compared paired.
 */
export function formatComparisonTable(
  performance: readonly PerformanceRow[],
  capability: readonly CapabilityRow[] = [],
  samples?: SamplesBySummary,
): FormatComparisonRow[] {
  const out: FormatComparisonRow[] = [];
  // Plain perf runs only: optimization-round rows compare settings, not formats.
  const plain = performance.filter((r) => r.round === "");
  for (const [g, m] of pairs(plain, (r) => r.scenario)) {
    for (const { metric, higher } of PERF_METRICS) {
      const side = (r: PerformanceRow) => ({
        mean: r[metric],
        sd: r[`${metric}_sd`],
        n: r[`${metric}_n`],
      });
      const d = welchDifference(side(g), side(m));
      out.push(comparisonRow("performance", g.scenario, metric, higher, g, m, d, {
        run_ids: join(g.run_ids, m.run_ids),
        config_hashes: join(g.config_hashes, m.config_hashes),
      }));
    }
  }
  for (const [g, m] of pairs(capability, (r) => r.task)) {
    for (const metric of ["accuracy", "macro_f1"] as const) {
      if (g[metric] === null && m[metric] === null) continue;
      const d = capabilityDifference(metric, g, m, { a: samples, b: samples });
      out.push(comparisonRow("capability", g.task, metric, true, g, m, d, {
        run_ids: join(g.run_id, m.run_id),
        config_hashes: join(g.config_hash, m.config_hash),
      }));
    }
  }
  return out;
}
