import {
  GgmlType,
  type GgufFileInfo,
  GgufFileType,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import {
  type Backend,
  BackendError,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelFacts,
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
  /** Keep the KV cache between requests (prefix reuse). @default false */
  reusePromptCache?: boolean;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Extra node-llama-cpp context options (flash attention, KV cache types, ...). */
  contextOptions?: Record<string, unknown>;
}

/** The embedded backend also exposes its engine for tokenizer and metadata access. */
export interface EmbeddedBackend extends Backend {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /** Count tokens with the model's own tokenizer. */
  countTokens(text: string): number;
}

/**
 * The quantization of a GGUF file: `general.file_type` by name (`Q4_K_M`, `F16`), or, when the
 * file does not say, the most common tensor type among its weight matrices (`F32`).
 */
export function ggufQuantization(info: GgufFileInfo): string | null {
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
      llama: import("node-llama-cpp").then(({ getLlama, LlamaLogLevel }) =>
        getLlama({ gpu: resolved, build: "never", logLevel: LlamaLogLevel.error })
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
 * The embedded engine: node-llama-cpp in this process on a GGUF file. Requests run one at a time
 * on one context sequence; by default the sequence is cleared before each request, so every
 * request pays its full prefill (as the first request to a server would).
 */
export async function createEmbeddedBackend(
  modelPath: string,
  options: EmbeddedBackendOptions = {},
): Promise<EmbeddedBackend> {
  const { LlamaChatSession } = await import("node-llama-cpp");
  const now = options.now ?? (() => performance.now());
  const llama = await sharedLlama(options.gpu);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath });
  } catch (error) {
    await releaseLlama(options.gpu);
    throw new BackendError(`llama.cpp cannot load ${modelPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  let context: LlamaContext;
  try {
    context = await model.createContext({
      contextSize: options.contextSize ?? 2048,
      threads,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...options.contextOptions,
    });
  } catch (error) {
    await model.dispose();
    await releaseLlama(options.gpu);
    throw new BackendError(
      `llama.cpp cannot create a context for ${modelPath}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const sequence = context.getSequence();
  const modelId = options.modelId ?? modelPath.split("/").pop()!;
  let queue: Promise<unknown> = Promise.resolve();

  async function generate(request: ChatRequest, chatOptions: ChatOptions): Promise<ChatResult> {
    const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
    const turns = request.messages.filter((m) => m.role !== "system");
    const last = turns.at(-1);
    if (!last || last.role !== "user") {
      throw new BackendError("The last message of a request must come from the user");
    }
    if (!options.reusePromptCache) await sequence.clearHistory();
    const session = new LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: system.join("\n") || undefined,
      autoDisposeSequence: false,
    });
    try {
      if (turns.length > 1) {
        const history = session.getChatHistory();
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
      if (rendered + request.maxTokens > context.contextSize) {
        throw new BackendError(
          `Prompt of ${rendered} tokens plus max_tokens ${request.maxTokens} exceeds the context size ` +
            `${context.contextSize}: raise context_size for this model or shorten the scenario`,
        );
      }
      const grammar = request.jsonSchema
        ? await llama.createGrammarForJsonSchema(request.jsonSchema as never)
        : undefined;
      let firstContentAt: number | null = null;
      let lastContentAt: number | null = null;
      let outputTokens = 0;
      let promptTokens: number | null = null;
      let finishReason: string | null = null;
      const sentAt = now();
      const meta = await session.promptWithMeta(last.content, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        grammar,
        signal: chatOptions.signal,
        onToken(tokens) {
          // At the first generated token the sequence holds exactly the evaluated prompt.
          if (outputTokens === 0) promptTokens = sequence.nextTokenIndex;
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
      finishReason = meta.stopReason === "maxTokens" ? "length" : meta.stopReason === "eogToken" ||
          meta.stopReason === "stopGenerationTrigger"
        ? "stop"
        : meta.stopReason;
      return {
        text: meta.responseText,
        reasoning: "",
        timing: { sentAt, firstContentAt, lastContentAt, endAt },
        promptTokens,
        outputTokens,
        tokenCountSource: "engine",
        finishReason,
        serverTimings: null,
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
    describe(): Promise<ModelFacts> {
      const general = (model.fileInfo.metadata.general ?? {}) as Record<string, unknown>;
      return Promise.resolve({
        id: modelId,
        format: "GGUF",
        quantization: ggufQuantization(model.fileInfo),
        loaded: true,
        maxContextLength: model.trainContextSize,
        details: {
          path: modelPath,
          architecture: general.architecture ?? null,
          name: general.name ?? null,
          license: general.license ?? null,
          file_type: general.file_type ?? null,
          parameters: model.fileInsights.totalParameters ?? null,
          size_bytes: model.size,
          context_size: context.contextSize,
          threads,
          flash_attention: context.flashAttention,
          batch_size: context.batchSize,
          gpu: llama.gpu,
          chat_wrapper: null,
        },
      });
    },
    chat(request: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResult> {
      // One sequence: serialise requests so concurrent callers queue instead of interleaving.
      const run = queue.then(() => generate(request, chatOptions));
      queue = run.catch(() => {});
      return run;
    },
    servingProcesses(): ServingProcesses {
      return { pids: [Deno.pid] };
    },
    async close(): Promise<void> {
      await context.dispose();
      await model.dispose();
      await releaseLlama(options.gpu);
    },
  };
}
