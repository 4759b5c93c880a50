import {
  apiKeyFromEnv,
  type EndpointCheck,
  type EndpointSources,
  type Experiment,
  type ModelConfig,
  type ModelEndpoint,
  resolveModelEndpoint,
} from "../config/mod.ts";
import type { DownloadProgress } from "../download/mod.ts";
import { createEmbeddedBackend } from "./embedded.ts";
import { createLmStudioBackend } from "./lmstudio.ts";
import { createOpenAiBackend, type TokenCounter } from "./openai.ts";
import { type ResolvedModelFile, resolveModelFile } from "./_model_file.ts";
import { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from "./_sse.ts";
import { type Backend, BackendError } from "./_types.ts";

/** Options for {@linkcode createBackend}. */
export interface CreateBackendOptions {
  /** Overrides the base URL of an lmstudio or openai model (the CLI's --base-url). */
  baseUrl?: string;
  /** Accept a non-loopback endpoint (the CLI's --allow-remote). @default the model's allow_remote */
  allowRemote?: boolean;
  /** The endpoint resolved before the run (wins over `baseUrl`; checked again here). */
  endpoint?: ModelEndpoint;
  /** Where the configs came from, for refusal messages. @default DEFAULT_ENDPOINT_SOURCES */
  endpointSources?: EndpointSources;
  /** The model's key, for messages. @default the model id */
  modelKey?: string;
  /** Progress of a pinned model download. */
  onDownloadProgress?: (progress: DownloadProgress) => void;
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Embedded engine: context sequences, so this many requests are batched together (a perf
   * concurrency sweep). @default 1
   */
  sequences?: number;
}

/** A backend ready to serve a configured model, and how its model file was found (embedded). */
export interface CreatedBackend {
  backend: Backend;
  modelFile: ResolvedModelFile | null;
}

async function ggufTokenCounter(path: string | undefined): Promise<TokenCounter | undefined> {
  if (!path) return undefined;
  // A vocabulary-only load (no weights); the binding stays for the process, which ends with Deno.exit.
  const { sharedLlama } = await import("./embedded.ts");
  const { resolveChatWrapper } = await import("node-llama-cpp");
  const llama = await sharedLlama("off");
  const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  const wrapper = resolveChatWrapper(model, { warningLogs: false });
  return {
    count: (text) => Promise.resolve(model.tokenize(text).length),
    countChat(messages) {
      // The prompt as a server applying this file's chat template would build it.
      const history = messages.map((m) =>
        m.role === "system"
          ? { type: "system" as const, text: m.content }
          : m.role === "user"
          ? { type: "user" as const, text: m.content }
          : { type: "model" as const, response: [m.content] }
      );
      const { contextText } = wrapper.generateContextState({
        chatHistory: [...history, { type: "model", response: [] }],
      });
      return Promise.resolve(contextText.tokenize(model.tokenizer).length);
    },
  };
}

/**
 * Build the backend for a configured model. The endpoint of an lmstudio or openai model is
 * resolved and checked by the endpoint policy before the backend exists (EndpointError); the API
 * key of an openai model comes from the environment variable its `api_key_env` names.
 */
export async function createBackend(
  model: ModelConfig,
  experiment: Experiment,
  options: CreateBackendOptions = {},
): Promise<CreatedBackend> {
  const serving = model.memory
    ? {
      pids: model.memory.pids,
      namePattern: model.memory.process_pattern
        ? new RegExp(model.memory.process_pattern, "i")
        : undefined,
    }
    : undefined;
  switch (model.backend) {
    case "embedded": {
      const file = await resolveModelFile(model, {
        env: options.env,
        fetch: options.fetch,
        onProgress: options.onDownloadProgress,
      });
      const backend = await createEmbeddedBackend(file.path, {
        modelId: model.model_id,
        threads: model.threads,
        contextSize: model.context_size,
        sequences: options.sequences,
        batchSize: model.batch_size,
        gpu: model.gpu,
        reusePromptCache: model.reuse_prompt_cache,
        maxTextChars: responseLimits(experiment).maxTextChars,
        chatWrapper: model.chat_wrapper,
        flashAttention: model.flash_attention === "auto"
          ? undefined
          : model.flash_attention === "on",
      });
      return { backend, modelFile: file };
    }
    case "lmstudio": {
      const endpoint = endpointFor(model, experiment, options)!;
      return {
        backend: createLmStudioBackend(
          endpoint.url,
          {
            endpoint: checkOf(endpoint),
            modelId: model.model_id,
            format: model.format,
            quantization: model.quantization,
            timeoutMs: experiment.request_timeout_ms,
            limits: responseLimits(experiment),
            tokenCounter: await ggufTokenCounter(model.tokenizer_file),
            serving,
            fetch: options.fetch,
          },
        ),
        modelFile: null,
      };
    }
    case "openai": {
      const endpoint = endpointFor(model, experiment, options);
      if (!endpoint) {
        throw new BackendError(
          `Model '${model.model_id}' has no base_url: its server is started by 'deno task rounds', or give base_url`,
        );
      }
      return {
        backend: createOpenAiBackend(endpoint.url, {
          endpoint: checkOf(endpoint),
          modelId: model.model_id,
          modelKey: options.modelKey,
          contextLength: model.context_length,
          format: model.format,
          quantization: model.quantization,
          apiKey: apiKeyFromEnv(options.modelKey ?? model.model_id, model, options.env),
          timeoutMs: experiment.request_timeout_ms,
          limits: responseLimits(experiment),
          tokenCounter: await ggufTokenCounter(model.tokenizer_file),
          serving,
          fetch: options.fetch,
        }),
        modelFile: null,
      };
    }
  }
}

/** The experiment's `response_limits` as backend options (defaults when absent). */
export function responseLimits(experiment: Experiment): Required<ResponseLimits> {
  return {
    maxTextChars: experiment.response_limits?.max_text_chars ??
      DEFAULT_RESPONSE_LIMITS.maxTextChars,
    maxEventBytes: experiment.response_limits?.max_event_bytes ??
      DEFAULT_RESPONSE_LIMITS.maxEventBytes,
  };
}

function endpointFor(
  model: ModelConfig,
  experiment: Experiment,
  options: CreateBackendOptions,
): ModelEndpoint | null {
  if (options.endpoint && options.baseUrl === undefined) return options.endpoint;
  return resolveModelEndpoint(options.modelKey ?? model.model_id, model, experiment, {
    baseUrl: options.baseUrl,
    allowRemote: options.allowRemote,
    sources: options.endpointSources,
    env: options.env,
  });
}

function checkOf(endpoint: ModelEndpoint): EndpointCheck {
  return {
    source: endpoint.source,
    field: endpoint.field,
    allowRemote: endpoint.allowed_by !== null,
    modelKey: endpoint.model_key,
  };
}
