/**
 * The machine a run happened on: OS, CPU and chip, memory, host, Deno, git commit, power state
 * and LM Studio, for the run manifest; plus warnings for power conditions the benchmark method
 * rules out. Commands, files and clocks are options, so tests can drive every platform.
 *
 * @example
 * ```ts ignore
 * import { captureEnvironment, powerWarnings } from "./mod.ts";
 * const env = await captureEnvironment({ lmstudioBaseUrl: "http://localhost:1234" });
 * const warnings = powerWarnings(env); // [] on a plugged-in Mac with Low Power Mode off
 * ```
 * @module
 */
export {
  type Environment,
  EnvironmentSchema,
  type PowerSource,
  PowerSourceSchema,
} from "./_schema.ts";
export { captureEnvironment, type CaptureEnvironmentOptions } from "./_capture.ts";
export { powerWarnings } from "./_power.ts";
export type { CommandResult, CommandRunner, DirectoryLister, FileReader } from "./_io.ts";
export {
  parsePmsetBatt,
  parsePmsetSettings,
  parseSwVers,
  parseSysctl,
  parseSystemProfilerHardware,
  type PmsetBattery,
  type PmsetSettings,
  type SystemProfilerHardware,
} from "./_macos.ts";
export {
  type CpuInfo,
  type LinuxPower,
  parseCpuinfo,
  parseMeminfoTotal,
  parseOsRelease,
  powerFromSupplies,
  type PowerSupply,
} from "./_linux.ts";
export { parseLmsVersion } from "./_lmstudio.ts";
export {
  type CpuPowerStatus,
  parsePmsetTherm,
  parsePowermetrics,
  type PmsetTherm,
  type PowermetricsSample,
  PRESSURE_LEVELS,
  samplePowerMw,
} from "./_thermal.ts";
export {
  raplDelta,
  raplEnergy,
  type RaplReading,
  type RaplZone,
  readRapl,
  type TimedPower,
  type WindowEnergy,
  windowEnergy,
} from "./_energy.ts";
export {
  isThrottled,
  type PowermetricsProcess,
  type PowerMonitor,
  type PowerMonitorOptions,
  startPowerMonitor,
  type WindowEnergyReading,
  type WindowPower,
  type WindowThermal,
} from "./power_monitor.ts";
