/**
 * Optimization rounds (seed 004, edge-llm-lab): named sets of engine settings applied to the
 * embedded engine, LM Studio (load config) or a llama-server the tool starts, each measured with
 * the perf scenarios and a fixed quality subset against a baseline; unsupported rounds are
 * skipped with their reason.
 * @module
 */
export * from "./_schema.ts";
export {
  CAPABILITIES,
  roundBackendOf,
  type SettingName,
  unsupportedSettings,
} from "./_capabilities.ts";
export { loadRoundsConfig, supportMatrix } from "./_config.ts";
export { embeddedOptionsFor, llamaServerFlags, lmStudioLoadFor } from "./_apply.ts";
export { type LaunchedServer, launchServer, ServerLaunchError } from "./_server.ts";
export {
  decodeWorkerEvent,
  encodeWorkerEvent,
  executeRounds,
  type ExecuteRoundsOptions,
  type PreparedRounds,
  prepareRounds,
  type RoundEntry,
  type RoundsEvent,
  type RoundsRequest,
  type RoundsResult,
} from "./session.ts";
export { roundsWork } from "./_work.ts";
export {
  buildRoundsSummary,
  type MeanEstimate,
  type RoundQualityRow,
  type RoundScenarioRow,
  type RoundsSummary,
  writeRoundsSummary,
} from "./summary.ts";
export {
  type GgufSize,
  ggufSize,
  runSweep,
  type SweepEvent,
  type SweepOptions,
  type SweepResult,
  type SweepRow,
} from "./sweep.ts";
export { roundsRows, sweepRows } from "./tables.ts";
