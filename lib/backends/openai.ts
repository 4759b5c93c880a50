import { checkEndpoint, type EndpointCheck } from "../config/mod.ts";
import { streamChatCompletion } from "./_sse.ts";
import {
  type Backend,
  BackendError,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelFacts,
  type ServingProcesses,
} from "./_types.ts";

/** Counts tokens with a model's own tokenizer (see {@linkcode createGgufTokenCounter}). */
export interface TokenCounter {
  count(text: string): Promise<number>;
}

/** Options for {@linkcode createOpenAiBackend}. */
export interface OpenAiBackendOptions {
  /** Model id sent in requests. */
  modelId: string;
  /** Configured format and quantization, reported by `describe()` when the server says nothing. */
  format?: "GGUF" | "MLX";
  quantization?: string;
  apiKey?: string;
  /** Per-request timeout in ms. @default 300000 */
  timeoutMs?: number;
  /** Tokenizer used when the server sends no usage. @default none */
  tokenCounter?: TokenCounter;
  /** Processes serving the model, for memory sampling. @default {} */
  serving?: ServingProcesses;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Backend kind reported in records. @default "openai" */
  kind?: "openai" | "lmstudio";
  /**
   * Where `baseUrl` came from and whether a non-loopback host is allowed; checked before any
   * request. @default {source: "createOpenAiBackend()", field: "baseUrl", allowRemote: false}
   */
  endpoint?: EndpointCheck;
}

/** Join a base URL and a path without doubling slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/**
 * A backend for any OpenAI-compatible server (llama-server, Ollama, mlx_lm.server, vLLM, LM Studio's
 * /v1): streaming chat with `stream_options.include_usage`, server timing fields when present.
 * `baseUrl` includes `/v1`. A `baseUrl` the endpoint policy refuses (not http(s), or not loopback
 * without `endpoint.allowRemote`) throws an EndpointError here, before any connection.
 */
export function createOpenAiBackend(baseUrl: string, options: OpenAiBackendOptions): Backend {
  const endpoint = options.endpoint ?? { source: "createOpenAiBackend()", field: "baseUrl" };
  checkEndpoint(baseUrl, endpoint);
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : {};
  return {
    id: `${options.kind ?? "openai"}:${options.modelId}`,
    kind: options.kind ?? "openai",
    async describe(): Promise<ModelFacts> {
      const url = joinUrl(baseUrl, "models");
      let listed: { data?: { id: string }[] };
      try {
        const res = await doFetch(url, { headers, signal: AbortSignal.timeout(10_000) });
        if (!res.ok) {
          throw new BackendError(`${url} answered HTTP ${res.status}`, { status: res.status });
        }
        listed = await res.json();
      } catch (error) {
        if (error instanceof BackendError) throw error;
        throw new BackendError(`Cannot reach ${url}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const ids = (listed.data ?? []).map((m) => m.id);
      return {
        id: options.modelId,
        format: options.format ?? null,
        quantization: options.quantization ?? null,
        loaded: ids.includes(options.modelId),
        maxContextLength: null,
        details: { served_models: ids },
      };
    },
    async chat(request: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResult> {
      const body: Record<string, unknown> = {
        model: options.modelId,
        messages: request.messages,
        max_tokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        stream_options: { include_usage: true },
      };
      if (request.jsonSchema) {
        body.response_format = {
          type: "json_schema",
          json_schema: { name: "output", strict: true, schema: request.jsonSchema },
        };
      }
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 300_000);
      const signal = chatOptions.signal ? AbortSignal.any([chatOptions.signal, timeout]) : timeout;
      const result = await streamChatCompletion(joinUrl(baseUrl, "chat/completions"), body, {
        fetch: doFetch,
        now: options.now,
        signal,
        headers,
        onContent: chatOptions.onContent,
        endpoint,
      });
      if (result.outputTokens === null && options.tokenCounter) {
        result.outputTokens = await options.tokenCounter.count(result.reasoning + result.text);
        result.promptTokens ??= await options.tokenCounter.count(
          request.messages.map((m) => m.content).join("\n"),
        );
        result.tokenCountSource = "tokenizer";
      }
      return result;
    },
    servingProcesses(): ServingProcesses {
      return options.serving ?? {};
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
