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
export {
  type ChunkFields,
  chunkFields,
  type ChunkFieldsOptions,
  ChunkRecorder,
  interChunkGaps,
} from "./_chunks.ts";
export {
  BOOTSTRAP_WORK_LIMIT,
  clusterQuantileMethod,
  clusterQuantileMethodOf,
  clusterQuantiles,
  type LatencyOptions,
  type LatencyPercentiles,
  latencyPercentiles,
  type LatencyRequest,
  type PercentileSet,
  woodruffOfSorted,
} from "./_latency.ts";
export {
  ADAPTIVE_METRICS,
  type AdaptiveDecision,
  adaptiveDecision,
  type AdaptiveOptions,
  type AdaptiveOutcome,
  adaptiveOutcome,
  type AdaptiveRule,
  type AdaptiveWidths,
  relativeHalfWidth,
} from "./_adaptive.ts";
export {
  APPROX_TOKENS_PER_WORD,
  buildSweepPrompt,
  type BuildSweepPromptOptions,
  fillerWords,
  type PromptCounter,
  SWEEP_SYSTEM_PROMPT,
  sweepMessages,
  type SweepPrompt,
} from "./_sweep_prompt.ts";
export {
  parseSweepGrid,
  type PointEstimate,
  sweepContextSize,
  type SweepFit,
  sweepFits,
  type SweepOptions,
  type SweepPoint,
  sweepPoints,
  type SweepSample,
  sweepSamples,
  sweepScenarioName,
  sweepScenarios,
} from "./sweep.ts";
export { type CurvePoint, kneeIndex, throughputLatencyCurve } from "./concurrency.ts";
