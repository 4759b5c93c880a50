import type { ServerTimings } from "../results/mod.ts";

/** One chat message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What a benchmark asks a backend to generate. */
export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  seed: number;
  /** JSON schema the output must follow, sent as a constraint where the backend supports it. */
  jsonSchema?: Record<string, unknown> | null;
  /**
   * `cold` (the default): the prompt must not reuse an earlier request's cached prefix; backends
   * that can be told so are (llama-server `cache_prompt: false`, the embedded engine clears its
   * KV cache), and the caller makes the prompt's first tokens unique. `warm`: reuse is allowed
   * (the embedded engine keeps the prefix shared with its previous prompt). Evaluations send warm
   * requests; perf scenarios are cold unless one says `cache: warm` (labelled in its records).
   */
  cache?: "cold" | "warm";
}

/** Monotonic timestamps (ms, `performance.now()` clock) of one request, stamped on arrival. */
export interface ChatTiming {
  /** Just before the request was sent (or the engine was called). */
  sentAt: number;
  /** Arrival of the first chunk holding non-empty content or reasoning; null when none came. */
  firstContentAt: number | null;
  /** Arrival of the last chunk holding content (usage and [DONE] frames excluded). */
  lastContentAt: number | null;
  /** When the response was fully consumed. */
  endAt: number;
}

/** Where token counts came from (DESIGN.md: server usage first, then the tokenizer). */
export type TokenCountSource = "server" | "tokenizer" | "engine";

/** What a backend returns for one request. */
export interface ChatResult {
  text: string;
  reasoning: string;
  timing: ChatTiming;
  promptTokens: number | null;
  outputTokens: number | null;
  tokenCountSource: TokenCountSource | null;
  finishReason: string | null;
  serverTimings: ServerTimings | null;
  /**
   * Prompt tokens the server took from its prompt cache (llama-server `timings.cache_n`, OpenAI
   * usage `prompt_tokens_details.cached_tokens`; 0 for the embedded engine without reuse); null
   * when the server does not say.
   */
  cachedPromptTokens?: number | null;
  /** Prompt tokens actually evaluated for this request (llama-server `prompt_n`); null when unknown. */
  processedPromptTokens?: number | null;
  /** Speculative decoding: predicted tokens the target model accepted / rejected (engine only). */
  tokenPredictions?: { validated: number; refuted: number } | null;
  /** Characters of answer text received, before any cap; absent when not counted. */
  outputChars?: number;
  /**
   * The text (or reasoning) went past the response limit (`response_limits.max_text_chars`) and
   * only its first part is in `text`; timing and token counts cover the whole answer.
   */
  truncated?: boolean;
}

/** What an OpenAI-compatible server says about itself, read before measuring. */
export interface ServerFacts {
  /** Which server answered (from the endpoints it has). */
  kind: "llama-server" | "llama-cpp-python" | "ollama" | "vllm" | "mlx_lm" | "lmstudio" | "unknown";
  /** Build or version string, when reported. */
  build: string | null;
  /** Context size per request (llama-server: per slot), when reported. */
  contextSize: number | null;
  /** Parallel slots, when reported. */
  slots: number | null;
  /** The model file the server loaded, when reported. */
  modelPath: string | null;
  /** Model ids the server lists. */
  models: string[];
  /** Format and quantization the server (or its GGUF file, read locally) reports. */
  format: "GGUF" | "MLX" | null;
  quantization: string | null;
  /** Whether the server can be told not to reuse cached prompt prefixes (`cache_prompt: false`). */
  promptCacheControl: boolean;
  /** Endpoints that answered, for the manifest. */
  probed: Record<string, number>;
  /** Extra facts as the server sent them (props, meta, show). */
  raw: Record<string, unknown>;
}

/** Facts about the model a backend serves, from the server or the file. */
export interface ModelFacts {
  id: string;
  format: "GGUF" | "MLX" | null;
  quantization: string | null;
  loaded: boolean | null;
  maxContextLength: number | null;
  /** Backend-specific extras (architecture, runtime, load config, file sha256, ...). */
  details: Record<string, unknown>;
  /** For `openai` servers: what the server says about itself. */
  server?: ServerFacts;
}

/** A prompt's size in tokens, and how it was counted. */
export interface PromptTokenCount {
  tokens: number;
  /** `engine` (chat template applied by the engine), `server` (server tokenizer), `tokenizer` (local GGUF). */
  method: "engine" | "server" | "tokenizer";
}

/** Processes whose memory counts as the model's (see lib/memory). */
export interface ServingProcesses {
  pids?: number[];
  namePattern?: RegExp;
}

/** Per-call options of {@linkcode Backend.chat}. */
export interface ChatOptions {
  signal?: AbortSignal;
  /** Called with each non-empty content piece and its arrival stamp, as it streams. */
  onContent?: (text: string, arrivedAt: number) => void;
}

/** The one narrow interface every backend implements. */
export interface Backend {
  /** `<kind>:<model id>` */
  readonly id: string;
  readonly kind: "embedded" | "lmstudio" | "openai";
  /** Facts about the served model. */
  describe(): Promise<ModelFacts>;
  /** Generate once, streaming, with arrival timestamps. Throws {@linkcode BackendError}. */
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
  /** Processes whose memory is the model's. */
  servingProcesses(): ServingProcesses;
  /** Engine settings in effect, read back from the engine or server, where it can tell. */
  effectiveSettings?(): Record<string, unknown>;
  /**
   * Tokens the request's prompt takes with the chat template applied, where the backend can tell
   * (to refuse a prompt that cannot fit before a run starts); null when it cannot.
   */
  countPromptTokens?(messages: ChatMessage[]): Promise<PromptTokenCount | null>;
  /** Release engines, files and connections. */
  close(): Promise<void>;
}

/** A request that failed at the backend: transport, HTTP status, or engine error. */
export class BackendError extends Error {
  /** HTTP status when there was one. */
  readonly status: number | null;
  constructor(message: string, options?: ErrorOptions & { status?: number | null }) {
    super(message, options);
    this.name = "BackendError";
    this.status = options?.status ?? null;
  }
}

/** The loaded model is not the configured one (format, quantization or id). */
export class ModelMismatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelMismatchError";
  }
}
