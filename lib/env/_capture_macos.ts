/** The macOS part of environment capture: sysctl, system_profiler, sw_vers, uname and pmset. @module */
import { type CommandRunner, stdoutOf, trimmedOrNull } from "./_io.ts";
import { positiveInt, type SystemFacts } from "./_facts.ts";
import {
  parsePmsetBatt,
  parsePmsetSettings,
  parseSwVers,
  parseSysctl,
  parseSystemProfilerHardware,
} from "./_macos.ts";

/** Run the macOS commands and combine what they print; a missing command leaves nulls. */
export async function captureMacos(run: CommandRunner): Promise<SystemFacts> {
  const [sysctlText, profilerText, swVersText, release, arch, battText, settingsText] =
    await Promise.all([
      stdoutOf(
        run,
        "sysctl",
        ["machdep.cpu.brand_string", "hw.memsize", "hw.physicalcpu", "hw.logicalcpu"],
        true,
      ),
      stdoutOf(run, "system_profiler", ["SPHardwareDataType"]),
      stdoutOf(run, "sw_vers", []),
      stdoutOf(run, "uname", ["-r"]),
      stdoutOf(run, "uname", ["-m"]),
      stdoutOf(run, "pmset", ["-g", "batt"]),
      stdoutOf(run, "pmset", ["-g"]),
    ]);
  const sysctl = parseSysctl(sysctlText ?? "");
  const hardware = parseSystemProfilerHardware(profilerText ?? "");
  const battery = battText === null ? null : parsePmsetBatt(battText);
  const settings = settingsText === null ? null : parsePmsetSettings(settingsText);
  return {
    os: {
      release: trimmedOrNull(release),
      version: swVersText === null ? null : parseSwVers(swVersText),
      arch: trimmedOrNull(arch),
    },
    cpu: {
      model: trimmedOrNull(sysctl["machdep.cpu.brand_string"] ?? null) ?? hardware.processor_name,
      cores_physical: positiveInt(sysctl["hw.physicalcpu"]) ?? hardware.cores_total,
      cores_logical: positiveInt(sysctl["hw.logicalcpu"]),
      cores_performance: hardware.cores_performance,
      cores_efficiency: hardware.cores_efficiency,
      chip: hardware.chip,
    },
    machine: { model_name: hardware.model_name, model_identifier: hardware.model_identifier },
    memory_bytes: positiveInt(sysctl["hw.memsize"]) ?? hardware.memory_bytes,
    power: {
      source: battery?.source ?? "unknown",
      low_power_mode: settings?.low_power_mode ?? null,
      battery_percent: battery?.battery_percent ?? null,
    },
  };
}
