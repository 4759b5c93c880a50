/**
 * Parsers for macOS heat and power output: `pmset -g therm` (and `pmset -g thermlog`, which
 * prints the same blocks with a time stamp each) and `powermetrics` text samples (`cpu_power`,
 * `gpu_power`, `ane_power` and `thermal` samplers; Apple Silicon rails in mW, Intel package
 * power in W). None throws on unexpected text: what is missing is null.
 * @module
 */

/** One `CPU Power notify` block of `pmset -g therm` / `thermlog`. */
export interface CpuPowerStatus {
  /** The block's time stamp as printed (`2021-05-02 11:51:57 +0800`), or null. */
  at: string | null;
  cpu_scheduler_limit: number | null;
  cpu_available_cpus: number | null;
  /** Percent of full CPU speed allowed; below 100 means throttled. */
  cpu_speed_limit: number | null;
}

/** What `pmset -g therm` says. */
export interface PmsetTherm {
  /**
   * The thermal warning level: 0 when macOS says none has been recorded, the level when it
   * prints one, null when the output says neither.
   */
  thermal_warning_level: number | null;
  performance_warning_level: number | null;
  /** The last `CPU Power notify` block, or null ("No CPU power status has been recorded"). */
  cpu_power: CpuPowerStatus | null;
  /** Every block, oldest first (thermlog prints many). */
  blocks: CpuPowerStatus[];
}

function level(text: string, kind: "thermal" | "performance"): number | null {
  if (new RegExp(`No ${kind} warning level has been recorded`, "i").test(text)) {
    const set = new RegExp(`${kind} warning level (?:set to|=|:)\\s*(\\d+)`, "i").exec(text);
    return set ? Number(set[1]) : 0;
  }
  const set = new RegExp(`${kind} warning level (?:set to|=|:)\\s*(\\d+)`, "i").exec(text);
  return set ? Number(set[1]) : null;
}

/**
 * Parse `pmset -g therm` (or `pmset -g thermlog`): the warning-level notes and the
 * `CPU_Scheduler_Limit`, `CPU_Available_CPUs`, `CPU_Speed_Limit` lines of each `CPU Power
 * notify` block (tab- or space-aligned, `name = value`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePmsetTherm } from "./mod.ts";
 * const t = parsePmsetTherm("Note: No thermal warning level has been recorded\n\tCPU_Speed_Limit \t= 80\n");
 * assert.deepEqual([t.thermal_warning_level, t.cpu_power?.cpu_speed_limit], [0, 80]);
 * ```
 */
export function parsePmsetTherm(text: string): PmsetTherm {
  const blocks: CpuPowerStatus[] = [];
  let current: CpuPowerStatus | null = null;
  for (const line of text.split(/\r?\n/)) {
    const header = /^(.*?)\s*CPU Power notify\s*$/.exec(line);
    if (header) {
      current = {
        at: header[1].trim() || null,
        cpu_scheduler_limit: null,
        cpu_available_cpus: null,
        cpu_speed_limit: null,
      };
      blocks.push(current);
      continue;
    }
    const field = /^\s*-?\s*(CPU_Scheduler_Limit|CPU_Available_CPUs|CPU_Speed_Limit)\s*=\s*(\d+)/
      .exec(line);
    if (!field) continue;
    if (!current) {
      current = {
        at: null,
        cpu_scheduler_limit: null,
        cpu_available_cpus: null,
        cpu_speed_limit: null,
      };
      blocks.push(current);
    }
    const value = Number(field[2]);
    if (field[1] === "CPU_Scheduler_Limit") current.cpu_scheduler_limit = value;
    else if (field[1] === "CPU_Available_CPUs") current.cpu_available_cpus = value;
    else current.cpu_speed_limit = value;
  }
  return {
    thermal_warning_level: level(text, "thermal"),
    performance_warning_level: level(text, "performance"),
    cpu_power: blocks.at(-1) ?? null,
    blocks,
  };
}

/** One `powermetrics` sample. */
export interface PowermetricsSample {
  /** The date in the sample header as printed, or null for a fragment without header. */
  date: string | null;
  /** Length of the sample interval (`(1002.80ms elapsed)`), or null. */
  elapsed_ms: number | null;
  /** Apple Silicon rails (first line of each; the GPU section repeats `GPU Power`). */
  cpu_mw: number | null;
  gpu_mw: number | null;
  ane_mw: number | null;
  /** `Combined Power (CPU + GPU + ANE)`. */
  combined_mw: number | null;
  /** Intel: `Intel energy model derived package power (CPUs+GT+SA): 8.53W`, in mW. */
  package_mw: number | null;
  /** `thermal` sampler: `Current pressure level: Nominal`. */
  pressure_level: string | null;
}

const HEADER = /^\*\*\* Sampled system activity \((.+?)\)\s*\(([\d.]+)\s*ms elapsed\)\s*\*\*\*/;

function emptySample(date: string | null, elapsed: number | null): PowermetricsSample {
  return {
    date,
    elapsed_ms: elapsed,
    cpu_mw: null,
    gpu_mw: null,
    ane_mw: null,
    combined_mw: null,
    package_mw: null,
    pressure_level: null,
  };
}

/** Milliwatts from `<n> mW` or `<n>W` / `<n> W`. */
function milliwatts(value: string, unit: string): number {
  return unit.toLowerCase() === "mw" ? Number(value) : Number(value) * 1000;
}

/**
 * Parse `powermetrics` text output into samples (a new one at each `*** Sampled system activity
 * (...) (N ms elapsed) ***` header; lines before the first header make a header-less sample).
 * Only samples that carry a power or pressure line are returned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePowermetrics } from "./mod.ts";
 * const [s] = parsePowermetrics(
 *   "*** Sampled system activity (Tue Nov 28 11:28:55 2023 +0100) (1002.80ms elapsed) ***\nCPU Power: 85 mW\nGPU Power: 4 mW\n",
 * );
 * assert.deepEqual([s.elapsed_ms, s.cpu_mw, s.gpu_mw], [1002.8, 85, 4]);
 * ```
 */
export function parsePowermetrics(text: string): PowermetricsSample[] {
  const samples: PowermetricsSample[] = [];
  let current: PowermetricsSample | null = null;
  const sample = () => {
    if (!current) {
      current = emptySample(null, null);
      samples.push(current);
    }
    return current;
  };
  for (const line of text.split(/\r?\n/)) {
    const header = HEADER.exec(line);
    if (header) {
      current = emptySample(header[1], Number(header[2]));
      samples.push(current);
      continue;
    }
    let m = /^Combined Power \(CPU \+ GPU \+ ANE\):\s*([\d.]+)\s*(mW|W)\b/.exec(line);
    if (m) {
      sample().combined_mw ??= milliwatts(m[1], m[2]);
      continue;
    }
    m = /^(CPU|GPU|ANE) Power:\s*([\d.]+)\s*(mW|W)\b/.exec(line);
    if (m) {
      const s = sample();
      const key = m[1] === "CPU" ? "cpu_mw" : m[1] === "GPU" ? "gpu_mw" : "ane_mw";
      s[key] ??= milliwatts(m[2], m[3]);
      continue;
    }
    m = /^Intel energy model derived package power \([^)]*\):\s*([\d.]+)\s*(mW|W)\b/.exec(line);
    if (m) {
      sample().package_mw ??= milliwatts(m[1], m[2]);
      continue;
    }
    m = /^Current pressure level:\s*(\S.*?)\s*$/.exec(line);
    if (m) sample().pressure_level ??= m[1];
  }
  return samples.filter((s) =>
    s.cpu_mw !== null || s.gpu_mw !== null || s.ane_mw !== null || s.combined_mw !== null ||
    s.package_mw !== null || s.pressure_level !== null
  );
}

/**
 * The power a sample stands for, in mW: the combined CPU + GPU + ANE line where printed, else the
 * sum of the rails present, else the Intel package power; null without any.
 */
export function samplePowerMw(s: PowermetricsSample): number | null {
  if (s.combined_mw !== null) return s.combined_mw;
  const rails = [s.cpu_mw, s.gpu_mw, s.ane_mw].filter((x): x is number => x !== null);
  if (rails.length) return rails.reduce((a, b) => a + b, 0);
  return s.package_mw;
}

/** Thermal pressure levels from calm to hot (powermetrics' `thermal` sampler). */
export const PRESSURE_LEVELS = ["Nominal", "Moderate", "Heavy", "Trapping", "Sleeping"] as const;
