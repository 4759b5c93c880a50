/**
 * Parsers for macOS command output: `system_profiler SPHardwareDataType`, `sysctl`, `sw_vers`,
 * `pmset -g batt` and `pmset -g`. Each takes the text and returns what it found, with null for
 * what is missing; none throws on unexpected text.
 * @module
 */
import type { PowerSource } from "./_schema.ts";

/** Fields of `system_profiler SPHardwareDataType` (serial numbers and UUIDs are left out). */
export interface SystemProfilerHardware {
  /** "Model Name", e.g. "MacBook Pro". */
  model_name: string | null;
  /** "Model Identifier", e.g. "MacBookPro18,3". */
  model_identifier: string | null;
  /** "Model Number", e.g. "MKGQ3LL/A" (newer macOS only). */
  model_number: string | null;
  /** "Chip" on Apple Silicon, e.g. "Apple M1 Pro". */
  chip: string | null;
  /** "Processor Name" on Intel Macs, e.g. "6-Core Intel Core i7". */
  processor_name: string | null;
  /** First number of "Total Number of Cores". */
  cores_total: number | null;
  /** "(8 performance and 2 efficiency)" → 8. */
  cores_performance: number | null;
  /** "(8 performance and 2 efficiency)" → 2. */
  cores_efficiency: number | null;
  /** "Memory: 16 GB" as bytes (GB read as 2^30, as macOS reports installed RAM). */
  memory_bytes: number | null;
  /** "System Firmware Version" (Boot ROM Version on older Macs). */
  firmware_version: string | null;
  /** "OS Loader Version". */
  os_loader_version: string | null;
}

/**
 * Parse `system_profiler SPHardwareDataType` (full, `-detailLevel mini`, or a fragment of
 * `Key: value` lines with any indentation or column alignment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSystemProfilerHardware } from "./mod.ts";
 * const hardware = parseSystemProfilerHardware("      Chip: Apple M1 Pro\n      Memory: 16 GB\n");
 * assert.equal(hardware.chip, "Apple M1 Pro");
 * assert.equal(hardware.memory_bytes, 17179869184);
 * ```
 */
export function parseSystemProfilerHardware(text: string): SystemProfilerHardware {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([^:]+?)\s*:\s*(\S.*?)\s*$/.exec(line);
    if (match) fields.set(match[1].toLowerCase(), match[2]);
  }
  const get = (key: string) => fields.get(key) ?? null;
  const cores = get("total number of cores");
  const coresMatch = cores
    ? /^(\d+)(?:\s*\((\d+)\s+performance\s+and\s+(\d+)\s+efficiency\))?/i.exec(cores)
    : null;
  return {
    model_name: get("model name"),
    model_identifier: get("model identifier"),
    model_number: get("model number"),
    chip: get("chip"),
    processor_name: get("processor name"),
    cores_total: coresMatch ? Number(coresMatch[1]) : null,
    cores_performance: coresMatch?.[2] ? Number(coresMatch[2]) : null,
    cores_efficiency: coresMatch?.[3] ? Number(coresMatch[3]) : null,
    memory_bytes: parseMemorySize(get("memory")),
    firmware_version: get("system firmware version") ?? get("boot rom version"),
    os_loader_version: get("os loader version"),
  };
}

const UNITS: Record<string, number> = { KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

function parseMemorySize(text: string | null): number | null {
  const match = text ? /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB)$/i.exec(text) : null;
  return match ? Math.round(Number(match[1]) * UNITS[match[2].toUpperCase()]) : null;
}

/**
 * Parse `sysctl name...` output (`name: value` per line, as `sysctl -A` and `sysctl hw.memsize`
 * print it) into a map from name to value text. Lines without `: ` are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSysctl } from "./mod.ts";
 * assert.equal(parseSysctl("hw.memsize: 17179869184\n")["hw.memsize"], "17179869184");
 * ```
 */
export function parseSysctl(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z0-9_.]+):\s?(.*?)\s*$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

/** Parse `sw_vers` (`ProductName:\tmacOS` lines) into "macOS 14.2.1 (23C71)", or null. */
export function parseSwVers(text: string): string | null {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\w+):\s*(.*?)\s*$/.exec(line);
    if (match) values.set(match[1], match[2]);
  }
  const name = values.get("ProductName");
  const version = values.get("ProductVersion");
  if (!name && !version) return null;
  const build = values.get("BuildVersion");
  return [name, version].filter(Boolean).join(" ") + (build ? ` (${build})` : "");
}

/** What `pmset -g batt` says. */
export interface PmsetBattery {
  /** "AC Power" → "ac", "Battery Power" → "battery", anything else (UPS Power) → "unknown". */
  source: PowerSource;
  /** Charge of the internal battery; null on Macs without one. */
  battery_percent: number | null;
  /** State after the percentage: "charging", "discharging", "charged", "AC attached", ... */
  battery_state: string | null;
}

/**
 * Parse `pmset -g batt`: the `Now drawing from '<source>'` line and the
 * ` -InternalBattery-0 (id=…)\t85%; charging; …` line (desktops print no battery line).
 */
export function parsePmsetBatt(text: string): PmsetBattery {
  const drawing = /Now drawing from '([^']*)'/.exec(text)?.[1] ?? null;
  const source: PowerSource = drawing === "AC Power"
    ? "ac"
    : drawing === "Battery Power"
    ? "battery"
    : "unknown";
  const battery = /-InternalBattery-\d+[^\n]*?\s(\d{1,3})%;\s*([^;\n]*)/.exec(text);
  return {
    source,
    battery_percent: battery && Number(battery[1]) <= 100 ? Number(battery[1]) : null,
    battery_state: battery ? battery[2].trim() || null : null,
  };
}

/** What `pmset -g` says. */
export interface PmsetSettings {
  /** Every `name value` line, name → value text (header lines are skipped). */
  settings: Record<string, string>;
  /**
   * `lowpowermode 1` → true, `0` → false; without that line, `powermode 1` (Low Power) → true and
   * `0`/`2` (Automatic/High Power) → false; null when neither line is present.
   */
  low_power_mode: boolean | null;
}

/** Parse `pmset -g` (the settings currently in use). */
export function parsePmsetSettings(text: string): PmsetSettings {
  const settings: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!/^\s/.test(line) || line.trim() === "" || line.trim().endsWith(":")) continue;
    const match = /^\s*([A-Za-z][\w ]*?)\s+(-?\d.*?)\s*$/.exec(line) ??
      /^\s*(\S+)\s+(.*?)\s*$/.exec(line);
    if (match) settings[match[1]] = match[2];
  }
  const flag = (value: string | undefined, lowValue: string, otherValues: string[]) => {
    const first = value?.split(/\s/)[0];
    if (first === undefined) return null;
    if (first === lowValue) return true;
    return otherValues.includes(first) ? false : null;
  };
  const low = flag(settings["lowpowermode"], "1", ["0"]) ??
    flag(settings["powermode"], "1", ["0", "2"]);
  return { settings, low_power_mode: low };
}
