/**
 * The performance benchmark: the seed's scenarios run against a backend with warm-ups recorded
 * but excluded, per-request timing per DESIGN.md, memory peaks, JSONL records and summaries.
 * @module
 */
export { type RequestMetrics, requestMetrics } from "./_timing.ts";
export { checkJsonOutput, type JsonOutputCheck, jsonSchemaErrors } from "./_json_check.ts";
export {
  chooseMemoryTarget,
  isPromptCacheHit,
  isRequestFailure,
  type MemoryTargetChoice,
  MemoryTargetError,
  type PerfEvent,
  type PerfPlan,
  perfRequestId,
  type PerfRunOutcome,
  type PerfUnit,
  requestFor,
  runPerf,
  type RunPerfOptions,
  unitKey,
} from "./runner.ts";
export { type PerfSummary, summarizePerf, type SummarizePerfOptions } from "./summary.ts";
export {
  type AggregateThroughput,
  aggregateThroughput,
  type AggregateThroughputOptions,
  type WindowRequest,
} from "./_aggregate.ts";
export {
  executePerf,
  type ExecutePerfOptions,
  type PerfRequest,
  type PerfSessionResult,
  type PreparedPerf,
  preparePerf,
  type PreparePerfOptions,
  workerEventLine,
} from "./session.ts";
