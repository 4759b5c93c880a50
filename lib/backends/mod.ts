/**
 * Backends: one narrow interface (`describe`, `chat` with arrival timestamps, `servingProcesses`)
 * over three kinds: LM Studio, any OpenAI-compatible server, and the embedded llama.cpp engine.
 * @module
 */
export {
  type Backend,
  BackendError,
  type ChatMessage,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ChatTiming,
  type ModelFacts,
  ModelMismatchError,
  type PromptTokenCount,
  type ServerFacts,
  type ServingProcesses,
  type TokenCountSource,
} from "./_types.ts";
export { normalizeServerTimings } from "./_server_timings.ts";
export {
  DEFAULT_RESPONSE_LIMITS,
  type ResponseLimits,
  streamChatCompletion,
  type StreamChatOptions,
} from "./_sse.ts";
export { closeIdleConnections } from "./_http1.ts";
export {
  createOpenAiBackend,
  joinUrl,
  type OpenAiBackendOptions,
  type TokenCounter,
} from "./openai.ts";
export {
  createLmStudioBackend,
  factsFromV0,
  factsFromV1,
  LMSTUDIO_PROCESS_PATTERN,
  type LmStudioBackend,
  type LmStudioBackendOptions,
  type LmStudioLoadConfig,
  type LmStudioLoadResult,
} from "./lmstudio.ts";
export { sameQuantization } from "./_quantization.ts";
export {
  checkServerFacts,
  probeOpenAiServer,
  type ProbeServerOptions,
  quantizationInName,
  serverOrigin,
} from "./_server_probe.ts";
export {
  createEmbeddedBackend,
  DRAFT_PARALLEL_PROBLEM,
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
  type EmbeddedEffectiveSettings,
  ggufQuantization,
  kvCacheProblem,
  nodeLlamaCpp,
  recentEngineLog,
  releaseLlama,
  sharedLlama,
  type TokenPredictorSpec,
} from "./embedded.ts";
export {
  ModelFileError,
  type ModelFileSpec,
  type ResolvedModelFile,
  resolveModelFile,
  type ResolveModelFileOptions,
  SHIPPED_MODELS_DIR,
} from "./_model_file.ts";
export {
  createBackend,
  type CreateBackendOptions,
  type CreatedBackend,
  responseLimits,
} from "./factory.ts";
