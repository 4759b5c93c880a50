import type {
  ChatHistoryItem,
  GgufFileInfo,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
} from "node-llama-cpp";
import { withGuardedForks } from "../process/mod.ts";
import {
  type Backend,
  BackendError,
  type ChatMessage,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelFacts,
  type PromptTokenCount,
  type ServingProcesses,
} from "./_types.ts";

/** Options for {@linkcode createEmbeddedBackend}. */
export interface EmbeddedBackendOptions {
  /** Id reported in records. @default the file name */
  modelId?: string;
  /** Threads for prompt and generation. @default navigator.hardwareConcurrency */
  threads?: number;
  /** Context size in tokens. @default 2048 */
  contextSize?: number;
  /** Batch size. @default node-llama-cpp's default */
  batchSize?: number;
  /** `auto`: Metal on macOS arm64, CPU elsewhere. @default "auto" */
  gpu?: "auto" | "off" | "metal" | "cuda" | "vulkan";
  /**
   * Keep the KV cache between all requests (prefix reuse), whatever their `cache` mode says.
   * Without it, a request asking for `cache: "warm"` (evaluations) reuses the evaluated prefix its
   * prompt shares with the sequence's previous one, and every other request starts from an empty
   * cache. @default false
   */
  reusePromptCache?: boolean;
  /** Characters of answer text kept; the rest is counted and dropped (`truncated`). @default 1000000 */
  maxTextChars?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Context sequences: parallel requests batched together (continuous batching). @default 1 */
  sequences?: number;
  /** Flash attention. @default llama.cpp's choice ("auto") */
  flashAttention?: boolean | "auto";
  /** KV cache key type (`f16`, `q8_0`, `q4_0`, ...). @default F16 */
  kvCacheKeyType?: string;
  /** KV cache value type. @default F16 */
  kvCacheValueType?: string;
  /** Speculative decoding: prompt lookup or a draft model. @default none */
  tokenPredictor?: TokenPredictorSpec;
  /** Extra node-llama-cpp context options. */
  contextOptions?: Record<string, unknown>;
  /**
   * Chat format: `auto` uses the GGUF's own template, else node-llama-cpp's guess from the
   * metadata; a name (`gemma`, `chatML`, ...) forces one (a file without a template). @default "auto"
   */
  chatWrapper?: string;
}

/** The embedded backend also exposes its engine for tokenizer and metadata access. */
export interface EmbeddedBackend extends Backend {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /** Count tokens with the model's own tokenizer. */
  countTokens(text: string): number;
  /** The settings as the engine applied them. */
  effectiveSettings(): EmbeddedEffectiveSettings & Record<string, unknown>;
}

type NodeLlamaCpp = typeof import("node-llama-cpp");
let engineModule: NodeLlamaCpp | null = null;

/**
 * node-llama-cpp, imported on first use: its JavaScript alone adds about 47 MiB to a process, which
 * a run against a server (LM Studio, llama-server) never needs.
 */
export async function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
  return engineModule ??= await import("node-llama-cpp");
}

/**
 * The quantization of a GGUF file: `general.file_type` by name (`Q4_K_M`, `F16`), or, when the
 * file does not say, the most common tensor type among its weight matrices (`F32`).
 */
export async function ggufQuantization(info: GgufFileInfo): Promise<string | null> {
  const { GgmlType, GgufFileType } = await nodeLlamaCpp();
  const fileType = (info.metadata.general as { file_type?: number } | undefined)?.file_type;
  if (typeof fileType === "number" && GgufFileType[fileType]) {
    return GgufFileType[fileType].replace(/^(MOSTLY|ALL)_/, "");
  }
  const counts = new Map<string, number>();
  for (const t of info.fullTensorInfo ?? []) {
    if (t.dimensions.length < 2) continue;
    const name = GgmlType[t.ggmlType] ?? String(t.ggmlType);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1])[0];
  return top ? top[0] : null;
}

const llamas = new Map<string, { llama: Promise<Llama>; users: number }>();
const engineLog: string[] = [];

/** The last messages llama.cpp logged (warnings and errors), oldest first. */
export function recentEngineLog(): string[] {
  return [...engineLog];
}

function gpuKey(gpu: EmbeddedBackendOptions["gpu"]): false | "metal" | "cuda" | "vulkan" {
  if (gpu === "auto" || gpu === undefined) {
    return Deno.build.os === "darwin" && Deno.build.arch === "aarch64" ? "metal" : false;
  }
  return gpu === "off" ? false : gpu;
}

/**
 * The llama.cpp binding for a GPU setting, shared by every backend of this process. Each call
 * counts as a user until {@linkcode releaseLlama}; the binding is disposed with its last user
 * (leaving it to process teardown can crash node-llama-cpp's finalizers under Deno).
 */
export function sharedLlama(gpu: EmbeddedBackendOptions["gpu"] = "auto"): Promise<Llama> {
  const resolved = gpuKey(gpu);
  const key = String(resolved);
  let entry = llamas.get(key);
  if (!entry) {
    entry = {
      // getLlama() forks a Deno process to test the binding (testBindingBinary.js on Linux); the
      // lifeline makes it end with this process even after a kill -9.
      llama: nodeLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
        withGuardedForks(() =>
          getLlama({
            gpu: resolved,
            build: "never",
            logLevel: LlamaLogLevel.warn,
            // lib never prints: llama.cpp's messages are kept, and quoted in the errors they explain.
            logger: (level, message) => {
              engineLog.push(`${level}: ${message.trim()}`);
              if (engineLog.length > 50) engineLog.shift();
            },
          })
        )
      ),
      users: 0,
    };
    llamas.set(key, entry);
  }
  entry.users++;
  return entry.llama;
}

/**
 * Give back a binding taken with {@linkcode sharedLlama}; the last user disposes it.
 *
 * node-llama-cpp's native objects (grammar evaluation states in particular) are finalized by
 * the garbage collector; finalizing one after its binding is disposed, or during process
 * teardown, crashes the process (SIGSEGV, seen under Deno 2.9). So the binding is disposed only
 * after a forced collection, which needs `--v8-flags=--expose-gc` (every deno task passes it);
 * without it the binding is kept for the life of the process.
 */
export async function releaseLlama(gpu: EmbeddedBackendOptions["gpu"] = "auto"): Promise<void> {
  const key = String(gpuKey(gpu));
  const entry = llamas.get(key);
  if (!entry || --entry.users > 0) return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  llamas.delete(key);
  const llama = await entry.llama;
  gc();
  await llama.dispose();
}

/**
 * Seen here with node-llama-cpp 3.21.1: draft-model prediction on two or more sequences of one
 * context stops making progress (two concurrent requests never finish), so it is refused.
 */
export const DRAFT_PARALLEL_PROBLEM =
  "node-llama-cpp 3.21.1 stalls when draft-model prediction runs on several sequences at once (two concurrent requests never finish)";

/** Quantized KV cache types store blocks of 32 values: a head size must be a multiple of it. */
const KV_BLOCK: Record<string, number> = {
  q8_0: 32,
  q4_0: 32,
  q4_1: 32,
  q5_0: 32,
  q5_1: 32,
  iq4_nl: 32,
};

/** Why llama.cpp would refuse these KV cache types for this model, or null. */
export function kvCacheProblem(
  model: LlamaModel,
  keyType?: string,
  valueType?: string,
): string | null {
  const arch = (model.fileInfo.architectureMetadata ?? {}) as {
    embedding_length?: number;
    attention?: { head_count?: number; key_length?: number; value_length?: number };
  };
  const heads = arch.attention?.head_count;
  const derived = arch.embedding_length && heads ? arch.embedding_length / heads : undefined;
  const sizes = {
    key: arch.attention?.key_length ?? derived,
    value: arch.attention?.value_length ?? derived,
  };
  for (const [which, type] of [["key", keyType], ["value", valueType]] as const) {
    const block = type ? KV_BLOCK[type.toLowerCase()] : undefined;
    const size = sizes[which];
    if (block && size && size % block !== 0) {
      return `KV cache ${which} type ${type} stores blocks of ${block} values, but this model's attention head size is ${size}`;
    }
  }
  return null;
}

/** A token predictor for a sequence (speculative decoding without changing the output). */
export type TokenPredictorSpec =
  | {
    kind: "input_lookup";
    /** Length of the pattern searched in the prompt. @default {min: 1, max: 0 (no max)} */
    patternLength?: { min?: number; max?: number };
    /** Tokens predicted per lookup. @default node-llama-cpp's */
    predictionLength?: { min?: number; max?: number };
  }
  | {
    kind: "draft";
    /** GGUF of the draft model (same vocabulary as the target). */
    modelPath: string;
    /** @default 16 */
    maxTokens?: number;
    /** @default 0.6 */
    minConfidence?: number;
  };

/** Settings read back from the engine after it was configured. */
export interface EmbeddedEffectiveSettings {
  context_size: number;
  batch_size: number;
  flash_attention: boolean | "auto";
  kv_cache_type_k: string;
  kv_cache_type_v: string;
  sequences: number;
  threads: number;
  token_predictor: string | null;
  context_memory_estimate_bytes: number;
  chat_wrapper: string;
  chat_template_in_file: boolean;
}

/**
 * The embedded engine: node-llama-cpp in this process on a GGUF file. Requests run on a pool of
 * context sequences (`sequences`, default 1): with one, requests queue; with several, concurrent
 * requests are batched together by llama.cpp (continuous batching). By default a sequence is
 * cleared before each request, so every request pays its full prefill; a `cache: "warm"` request
 * (evaluations) keeps the prefix its prompt shares with the sequence's previous prompt, and says
 * how many prompt tokens came from the cache (`cachedPromptTokens`, from the engine's own count
 * of decoded tokens).
 */
export async function createEmbeddedBackend(
  modelPath: string,
  options: EmbeddedBackendOptions = {},
): Promise<EmbeddedBackend> {
  const {
    LlamaChatSession,
    InputLookupTokenPredictor,
    DraftSequenceTokenPredictor,
    resolveChatWrapper,
  } = await nodeLlamaCpp();
  const now = options.now ?? (() => performance.now());
  const llama = await sharedLlama(options.gpu);
  const owned: { dispose(): Promise<void> | void }[] = [];
  const logMark = engineLog.length;
  const fail = async (what: string, error: unknown): Promise<never> => {
    for (const o of owned.reverse()) await o.dispose();
    await releaseLlama(options.gpu);
    const said = [
      ...new Set(engineLog.slice(Math.max(0, logMark - 1)).filter((l) => l.startsWith("error"))),
    ];
    throw new BackendError(
      `llama.cpp cannot ${what}: ${(error as Error).message}${
        said.length ? ` (llama.cpp: ${said.join("; ")})` : ""
      }`,
      { cause: error },
    );
  };
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath });
    owned.push(model);
  } catch (error) {
    return fail(`load ${modelPath}`, error);
  }
  let chatWrapper: NonNullable<ReturnType<typeof resolveChatWrapper>>;
  try {
    chatWrapper = resolveChatWrapper(model, {
      type: (options.chatWrapper ?? "auto") as never,
      warningLogs: false,
    });
  } catch (error) {
    return fail(`use the chat format '${options.chatWrapper}'`, error);
  }
  /** Tokens of the prompt as this engine renders it (same history as `generate` builds). */
  const renderedPromptTokens = (messages: ChatMessage[]): number => {
    const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
    const history: ChatHistoryItem[] = [
      ...(system ? [{ type: "system" as const, text: system }] : []),
      ...messages.filter((m) => m.role !== "system").map((m): ChatHistoryItem =>
        m.role === "user"
          ? { type: "user", text: m.content }
          : { type: "model", response: [m.content] }
      ),
      { type: "model", response: [] },
    ];
    return chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(
      model.tokenizer,
    ).length;
  };
  const hasTemplate =
    typeof (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } })
      .tokenizer?.chat_template === "string";
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  const sequences = options.sequences ?? 1;
  const predictor = options.tokenPredictor;
  const contextOptions = {
    contextSize: options.contextSize ?? 2048,
    threads,
    sequences,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.flashAttention !== undefined ? { flashAttention: options.flashAttention } : {}),
    ...(options.kvCacheKeyType
      ? { experimentalKvCacheKeyType: options.kvCacheKeyType.toUpperCase() }
      : {}),
    ...(options.kvCacheValueType
      ? { experimentalKvCacheValueType: options.kvCacheValueType.toUpperCase() }
      : {}),
    ...options.contextOptions,
  };
  if (predictor?.kind === "draft" && sequences > 1) {
    return fail(
      "combine a draft model with several sequences",
      new Error(DRAFT_PARALLEL_PROBLEM),
    );
  }
  const kvProblem = kvCacheProblem(model, options.kvCacheKeyType, options.kvCacheValueType);
  if (kvProblem) return fail("use this KV cache type", new Error(kvProblem));
  let context: LlamaContext;
  try {
    context = await model.createContext(contextOptions as never);
    owned.push(context);
  } catch (error) {
    return fail(`create a context for ${modelPath}`, error);
  }
  let draftContext: LlamaContext | null = null;
  if (predictor?.kind === "draft") {
    try {
      const draftModel = await llama.loadModel({ modelPath: predictor.modelPath });
      owned.push(draftModel);
      draftContext = await draftModel.createContext({
        contextSize: contextOptions.contextSize,
        threads,
        sequences,
      });
      owned.push(draftContext);
    } catch (error) {
      return fail(`load the draft model ${predictor.modelPath}`, error);
    }
  }
  const pool: LlamaContextSequence[] = [];
  for (let i = 0; i < sequences; i++) {
    pool.push(context.getSequence({
      tokenPredictor: predictor?.kind === "input_lookup"
        ? new InputLookupTokenPredictor({
          patternLength: predictor.patternLength,
          predictionLength: predictor.predictionLength,
        })
        : predictor?.kind === "draft"
        ? new DraftSequenceTokenPredictor(draftContext!.getSequence(), {
          maxTokens: predictor.maxTokens,
          minConfidence: predictor.minConfidence,
        })
        : undefined,
    }));
  }
  const free = [...pool];
  const waiting: ((s: LlamaContextSequence) => void)[] = [];
  const acquire = () =>
    free.length
      ? Promise.resolve(free.pop()!)
      : new Promise<LlamaContextSequence>((r) => waiting.push(r));
  const release = (s: LlamaContextSequence) => {
    const next = waiting.shift();
    if (next) next(s);
    else free.push(s);
  };
  const modelId = options.modelId ?? modelPath.split("/").pop()!;
  // Loaded by now: the model came from it.
  const { GgmlType } = engineModule!;
  const effective = (): EmbeddedEffectiveSettings & Record<string, unknown> => ({
    context_size: context.contextSize,
    batch_size: context.batchSize,
    flash_attention: context.flashAttention,
    kv_cache_type_k: GgmlType[context.kvCacheKeyType] ?? String(context.kvCacheKeyType),
    kv_cache_type_v: GgmlType[context.kvCacheValueType] ?? String(context.kvCacheValueType),
    sequences: context.totalSequences,
    threads: context.currentThreads,
    token_predictor: predictor?.kind ?? null,
    /** The chat format in use (node-llama-cpp wrapper) and whether the GGUF has its own template. */
    chat_wrapper: chatWrapper.wrapperName,
    chat_template_in_file: hasTemplate,
    /** node-llama-cpp's estimate of the context's RAM (KV cache and compute buffers). */
    context_memory_estimate_bytes: context.memoryUsage.ram,
  });

  async function generate(
    sequence: LlamaContextSequence,
    request: ChatRequest,
    chatOptions: ChatOptions,
  ): Promise<ChatResult> {
    const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
    const turns = request.messages.filter((m) => m.role !== "system");
    const last = turns.at(-1);
    if (!last || last.role !== "user") {
      throw new BackendError("The last message of a request must come from the user");
    }
    const reuse = options.reusePromptCache === true || request.cache === "warm";
    if (!reuse) await sequence.clearHistory();
    const session = new LlamaChatSession({
      contextSequence: sequence,
      chatWrapper,
      systemPrompt: system.join("\n") || undefined,
      autoDisposeSequence: false,
    });
    const predictionsBefore = { ...sequence.tokenPredictions };
    try {
      // Without a system message node-llama-cpp would insert its own default system prompt ("You
      // are a helpful, respectful and honest assistant..."), which no server sends: start from an
      // empty history instead, so the chat template does what it does without one.
      if (turns.length > 1 || system.length === 0) {
        const history = system.length === 0 ? [] : session.getChatHistory();
        for (const m of turns.slice(0, -1)) {
          history.push(
            m.role === "user"
              ? { type: "user", text: m.content }
              : { type: "model", response: [m.content] },
          );
        }
        session.setChatHistory(history);
      }
      // Refuse rather than let the chat session silently drop part of the prompt to make it fit.
      const rendered = session.chatWrapper.generateContextState({
        chatHistory: [...session.getChatHistory(), { type: "user", text: last.content }, {
          type: "model",
          response: [],
        }],
      }).contextText.tokenize(model.tokenizer).length;
      if (rendered + request.maxTokens > sequence.contextSize) {
        throw new BackendError(
          `Prompt of ${rendered} tokens plus max_tokens ${request.maxTokens} exceeds the context size ` +
            `${sequence.contextSize}: raise context_size for this model or shorten the scenario`,
        );
      }
      const grammar = request.jsonSchema
        ? await llama.createGrammarForJsonSchema(request.jsonSchema as never)
        : undefined;
      let firstContentAt: number | null = null;
      let lastContentAt: number | null = null;
      let outputTokens = 0;
      let promptTokens: number | null = null;
      let processed: number | null = null;
      // Tokens the engine decodes (prompt tokens, then generated ones): at the first generated
      // token, what was decoded since here is the part of the prompt not taken from the cache.
      const meter = sequence.tokenMeter;
      const decodedBefore = meter.usedInputTokens + meter.usedOutputTokens;
      const sentAt = now();
      const meta = await session.promptWithMeta(last.content, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        grammar,
        signal: chatOptions.signal,
        onToken(tokens) {
          // At the first generated token the sequence holds exactly the evaluated prompt.
          if (outputTokens === 0) {
            promptTokens = sequence.nextTokenIndex;
            processed = meter.usedInputTokens + meter.usedOutputTokens - decodedBefore;
          }
          outputTokens += tokens.length;
        },
        onTextChunk(chunk) {
          const t = now();
          if (chunk) {
            firstContentAt ??= t;
            lastContentAt = t;
            chatOptions.onContent?.(chunk, t);
          }
        },
      });
      const endAt = now();
      const after = sequence.tokenPredictions;
      const maxText = options.maxTextChars ?? 1_000_000;
      const fullText = meta.responseText;
      // Without reuse the KV cache was cleared: the whole prompt was evaluated.
      const evaluated = !reuse
        ? promptTokens
        : processed === null || promptTokens === null
        ? null
        : Math.min(promptTokens, Math.max(0, processed));
      return {
        text: fullText.length > maxText ? fullText.slice(0, maxText) : fullText,
        outputChars: fullText.length,
        truncated: fullText.length > maxText,
        reasoning: "",
        timing: { sentAt, firstContentAt, lastContentAt, endAt },
        promptTokens,
        outputTokens,
        tokenCountSource: "engine",
        finishReason: meta.stopReason === "maxTokens"
          ? "length"
          : meta.stopReason === "eogToken" || meta.stopReason === "stopGenerationTrigger"
          ? "stop"
          : meta.stopReason,
        serverTimings: null,
        cachedPromptTokens: promptTokens === null || evaluated === null
          ? (reuse ? null : 0)
          : promptTokens - evaluated,
        processedPromptTokens: evaluated,
        tokenPredictions: predictor
          ? {
            validated: after.validated - predictionsBefore.validated,
            refuted: after.refuted - predictionsBefore.refuted,
          }
          : null,
      };
    } catch (error) {
      if (error instanceof BackendError) throw error;
      throw new BackendError(`llama.cpp generation failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  return {
    id: `embedded:${modelId}`,
    kind: "embedded",
    model,
    context,
    countTokens: (text: string) => model.tokenize(text).length,
    effectiveSettings: effective,
    async describe(): Promise<ModelFacts> {
      const general = (model.fileInfo.metadata.general ?? {}) as Record<string, unknown>;
      const parameters = model.fileInsights.totalParameters ?? null;
      return {
        id: modelId,
        format: "GGUF",
        quantization: await ggufQuantization(model.fileInfo),
        loaded: true,
        // What one request can use (the context in effect per sequence), not the training length.
        maxContextLength: pool[0].contextSize,
        details: {
          path: modelPath,
          architecture: general.architecture ?? null,
          name: general.name ?? null,
          license: general.license ?? null,
          file_type: general.file_type ?? null,
          parameters,
          size_bytes: model.size,
          bits_per_weight: parameters ? (model.size * 8) / parameters : null,
          gpu: llama.gpu,
          train_context_size: model.trainContextSize,
          ...effective(),
        },
      };
    },
    countPromptTokens(messages: ChatMessage[]): Promise<PromptTokenCount> {
      return Promise.resolve({ tokens: renderedPromptTokens(messages), method: "engine" });
    },
    async chat(request: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResult> {
      // Each request takes a free sequence, or waits for one (requests never interleave on one).
      const sequence = await acquire();
      try {
        return await generate(sequence, request, chatOptions);
      } finally {
        release(sequence);
      }
    },
    servingProcesses(): ServingProcesses {
      return { pids: [Deno.pid] };
    },
    async close(): Promise<void> {
      for (const o of owned.reverse()) await o.dispose();
      await releaseLlama(options.gpu);
    },
  };
}
