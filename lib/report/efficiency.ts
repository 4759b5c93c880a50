/** The efficiency score (seed 003): quality × output tokens/s ÷ peak memory. @module */
import type { Bands } from "./bands.ts";
import type { CapabilityRow } from "./capability.ts";
import type { PerformanceRow } from "./performance.ts";

/** One model × format × quantization: the score and the three numbers it is made of. */
export interface EfficiencyRow {
  model_key: string;
  model_id: string;
  format: string;
  quantization: string;
  /** The quality score as a fraction in [0, 1]. */
  quality: number | null;
  quality_source: string;
  /** Mean output tokens/s. */
  output_tps: number | null;
  speed_source: string;
  /** Largest per-request peak RAM over the measured scenarios, GiB. */
  peak_ram_gib: number | null;
  /** quality × output_tps ÷ peak_ram_gib; null when any part is missing. */
  efficiency: number | null;
  /** 1 = most efficient; null when there is no score. */
  rank: number | null;
  run_ids: string;
  config_hashes: string;
}

/** What the efficiency table's settings are (configs/bands.yaml `efficiency`). */
export type EfficiencySettings = Bands["efficiency"];

/** The definition printed under the efficiency table. */
export function efficiencyDefinition(settings: EfficiencySettings): string {
  const speed = settings.speed_scenario
    ? `mean output tokens/s in scenario ${settings.speed_scenario}`
    : "mean over the measured scenarios of each scenario's mean output tokens/s";
  return `Efficiency = quality × output tokens/s ÷ peak RAM (GiB), where quality is ${settings.quality_metric} on ${settings.quality_task} as a fraction in [0, 1] (latest run), output tokens/s is the ${speed}, and peak RAM is the largest per-request peak RSS of the serving processes over all measured scenarios (after seed 003: quality × tokens/s ÷ memory). Higher is better; a point score without an interval: the intervals of its three parts are in the tables above.`;
}

const unitOf = (r: { model_key: string; format: string; quantization: string }) =>
  `${r.model_key}\u0000${r.format}\u0000${r.quantization}`;

const join = (xs: string[]) =>
  [...new Set(xs.flatMap((x) => x.split(" ")).filter(Boolean))].sort().join(" ");

/** The efficiency table, one row per model × format × quantization seen anywhere, ranked. */
export function efficiencyTable(
  performance: readonly PerformanceRow[],
  capability: readonly CapabilityRow[],
  settings: EfficiencySettings,
): EfficiencyRow[] {
  // Plain perf runs only: optimization rounds have their own comparison against baseline.
  performance = performance.filter((r) => r.round === "");
  const units = new Map<
    string,
    { model_key: string; model_id: string; format: string; quantization: string }
  >();
  for (const r of [...performance, ...capability]) units.set(unitOf(r), r);
  const rows: EfficiencyRow[] = [...units.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([key, u]) => {
      const perf = performance.filter((r) => unitOf(r) === key);
      const speedRows = settings.speed_scenario
        ? perf.filter((r) => r.scenario === settings.speed_scenario)
        : perf;
      const tps = speedRows.map((r) => r.output_tps).filter((x): x is number => x !== null);
      const ram = perf.map((r) => r.peak_ram_gib_max).filter((x): x is number => x !== null);
      const cap = capability.find((r) => unitOf(r) === key && r.task === settings.quality_task);
      const quality = cap ? cap[settings.quality_metric] : null;
      const output_tps = tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : null;
      const peak = ram.length ? Math.max(...ram) : null;
      const efficiency = quality !== null && output_tps !== null && peak !== null && peak > 0
        ? quality * output_tps / peak
        : null;
      return {
        model_key: u.model_key,
        model_id: u.model_id,
        format: u.format,
        quantization: u.quantization,
        quality,
        quality_source: cap ? `${settings.quality_metric} on ${cap.task} (n=${cap.n})` : "no run",
        output_tps,
        speed_source: speedRows.length ? speedRows.map((r) => r.scenario).join(", ") : "no run",
        peak_ram_gib: peak,
        efficiency,
        rank: null,
        run_ids: join([...perf.map((r) => r.run_ids), cap?.run_id ?? ""]),
        config_hashes: join([...perf.map((r) => r.config_hashes), cap?.config_hash ?? ""]),
      };
    });
  const scored = rows.filter((r) => r.efficiency !== null).sort((a, b) =>
    b.efficiency! - a.efficiency!
  );
  scored.forEach((r, i) => r.rank = i + 1);
  return rows.sort((a, b) =>
    (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER)
  );
}
