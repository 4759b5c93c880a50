/**
 * Parsers for Linux system files: /proc/cpuinfo, /proc/meminfo, os-release and the attributes
 * of /sys/class/power_supply. None throws on unexpected text.
 * @module
 */
import type { PowerSource } from "./_schema.ts";

/** What /proc/cpuinfo says about the CPU. */
export interface CpuInfo {
  /** "model name" (x86), else "Model" or "Hardware" (ARM boards); null when absent. */
  model: string | null;
  /** Number of `processor` entries. */
  cores_logical: number | null;
  /** Distinct (physical id, core id) pairs; null when the file does not give them. */
  cores_physical: number | null;
}

/** Parse /proc/cpuinfo. */
export function parseCpuinfo(text: string): CpuInfo {
  let model: string | null = null;
  let fallbackModel: string | null = null;
  let logical = 0;
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const match = /^([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
      if (match) fields.set(match[1], match[2]);
    }
    if (fields.has("processor")) logical++;
    model ??= fields.get("model name") || null;
    fallbackModel ??= fields.get("Model") || fields.get("Hardware") || null;
    const core = fields.get("core id");
    if (core !== undefined) cores.add(`${fields.get("physical id") ?? "0"}:${core}`);
  }
  return {
    model: model ?? fallbackModel,
    cores_logical: logical > 0 ? logical : null,
    cores_physical: cores.size > 0 ? cores.size : null,
  };
}

/** Parse the MemTotal line of /proc/meminfo ("MemTotal: 24684092 kB") into bytes, or null. */
export function parseMeminfoTotal(text: string): number | null {
  const match = /^MemTotal:\s*(\d+)\s*kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** Parse os-release (`KEY=value`, values optionally quoted) into a map. */
export function parseOsRelease(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["'\\$`])/g, "$1");
    }
    values[match[1]] = value;
  }
  return values;
}

/** The attributes of one /sys/class/power_supply entry that decide the power source. */
export interface PowerSupply {
  /** `type`: "Mains", "Battery", "USB", "UPS", ... */
  type: string | null;
  /** `online`: "1" when an external supply is connected. */
  online: string | null;
  /** `status` of a battery: "Charging", "Discharging", "Full", "Not charging", ... */
  status: string | null;
  /** `capacity` of a battery, in percent. */
  capacity: string | null;
}

/** What the power supplies say, in the shape of the environment's power field (no low-power). */
export interface LinuxPower {
  /** "battery" when a battery is discharging, "ac" when a mains/USB supply is online. */
  source: PowerSource;
  /** Capacity of the first battery, or null. */
  battery_percent: number | null;
}

/**
 * Decide the power source from the supplies: a discharging battery means battery power; an
 * online Mains/USB supply, or a battery that is charging, full or not charging, means AC;
 * no supplies (desktops, VMs, containers) means unknown.
 */
export function powerFromSupplies(supplies: readonly PowerSupply[]): LinuxPower {
  const batteries = supplies.filter((supply) => supply.type === "Battery");
  const capacity = batteries
    .map((battery) => Number.parseInt(battery.capacity ?? "", 10))
    .find((value) => Number.isFinite(value) && value >= 0 && value <= 100);
  const battery_percent = capacity ?? null;
  if (batteries.some((battery) => battery.status === "Discharging")) {
    return { source: "battery", battery_percent };
  }
  const external = supplies.filter((supply) => supply.type !== "Battery" && supply.online !== null);
  if (external.some((supply) => supply.online === "1")) return { source: "ac", battery_percent };
  if (
    batteries.some((battery) => ["Charging", "Full", "Not charging"].includes(battery.status ?? ""))
  ) {
    return { source: "ac", battery_percent };
  }
  if (external.length > 0 && batteries.length > 0) return { source: "battery", battery_percent };
  return { source: "unknown", battery_percent };
}
