/** One row per model with every trade-off axis: the data of the scatter and parallel-coordinate figures. @module */
import type { CapabilityRow } from "./capability.ts";
import type { ComplianceRow } from "./compliance.ts";
import type { EfficiencyRow, EfficiencySettings } from "./efficiency.ts";
import type { PerformanceRow } from "./performance.ts";

/** A model × format × quantization on every axis the article trades off. */
export interface TradeoffRow {
  model_key: string;
  model_id: string;
  format: string;
  quantization: string;
  /** Quality (fraction) with its 95 % interval: the efficiency settings' task and metric. */
  quality: number | null;
  quality_lo: number | null;
  quality_hi: number | null;
  output_tps: number | null;
  /** Output tokens/s interval when the speed is one scenario's mean, else null. */
  output_tps_lo: number | null;
  output_tps_hi: number | null;
  /** Mean TTFT of the speed scenario (ms); null when the speed is averaged over scenarios. */
  ttft_ms: number | null;
  /** Mean TTFT per measured scenario (ms): scenarios are never averaged together. */
  ttft_ms_by_scenario: Record<string, number>;
  peak_ram_gib: number | null;
  efficiency: number | null;
  /** Highest residual compliance score of the model, or null when not assessed. */
  max_residual: number | null;
  run_ids: string;
  config_hashes: string;
}

const unitOf = (r: { model_key: string; format: string; quantization: string }) =>
  `${r.model_key}\u0000${r.format}\u0000${r.quantization}`;

/** Join efficiency rows with the quality interval, TTFT and the compliance residual. */
export function tradeoffRows(
  efficiency: readonly EfficiencyRow[],
  performance: readonly PerformanceRow[],
  capability: readonly CapabilityRow[],
  compliance: readonly ComplianceRow[],
  settings: EfficiencySettings,
): TradeoffRow[] {
  performance = performance.filter((r) => r.round === "");
  return efficiency.map((e) => {
    const key = unitOf(e);
    const cap = capability.find((r) => unitOf(r) === key && r.task === settings.quality_task);
    const perf = performance.filter((r) =>
      unitOf(r) === key && (!settings.speed_scenario || r.scenario === settings.speed_scenario)
    );
    const byScenario: Record<string, number> = {};
    for (const r of perf) if (r.ttft_ms !== null) byScenario[r.scenario] = r.ttft_ms;
    const one = perf.length === 1 ? perf[0] : null;
    const risks = compliance.filter((r) =>
      r.model_key === e.model_key && r.format === e.format && r.quantization === e.quantization
    );
    const metric = settings.quality_metric;
    return {
      model_key: e.model_key,
      model_id: e.model_id,
      format: e.format,
      quantization: e.quantization,
      quality: e.quality,
      quality_lo: cap?.[`${metric}_lo`] ?? null,
      quality_hi: cap?.[`${metric}_hi`] ?? null,
      output_tps: e.output_tps,
      output_tps_lo: one?.output_tps_lo ?? null,
      output_tps_hi: one?.output_tps_hi ?? null,
      ttft_ms: one?.ttft_ms ?? null,
      ttft_ms_by_scenario: byScenario,
      peak_ram_gib: e.peak_ram_gib,
      efficiency: e.efficiency,
      max_residual: risks.length ? Math.max(...risks.map((r) => r.residual)) : null,
      run_ids: [e.run_ids, ...risks.map((r) => r.run_ids)].join(" ").trim(),
      config_hashes: [e.config_hashes, ...risks.map((r) => r.config_hashes)].join(" ").trim(),
    };
  });
}
