import { checkEndpoint, type EndpointCheck } from "../config/mod.ts";
import { type ResponseLimits, streamChatCompletion } from "./_sse.ts";
import { checkServerFacts, probeOpenAiServer, serverOrigin } from "./_server_probe.ts";
import {
  type Backend,
  BackendError,
  type ChatMessage,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelFacts,
  type PromptTokenCount,
  type ServerFacts,
  type ServingProcesses,
} from "./_types.ts";

/** Counts tokens with a model's own tokenizer (a local GGUF file's vocabulary). */
export interface TokenCounter {
  count(text: string): Promise<number>;
  /** Tokens of the messages rendered with the file's chat template, as a server would see them. */
  countChat?(messages: ChatMessage[]): Promise<number>;
}

/** Options for {@linkcode createOpenAiBackend}. */
export interface OpenAiBackendOptions {
  /** Model id sent in requests. */
  modelId: string;
  /** Configured format and quantization, reported by `describe()` when the server says nothing. */
  format?: "GGUF" | "MLX";
  quantization?: string;
  apiKey?: string;
  /** Per-request timeout in ms, covering the whole streamed answer. @default 300000 */
  timeoutMs?: number;
  /** Caps on a streamed answer's stored text and on one event. @default DEFAULT_RESPONSE_LIMITS */
  limits?: ResponseLimits;
  /** Tokenizer used when the server sends no usage. @default none */
  tokenCounter?: TokenCounter;
  /** Processes serving the model, for memory sampling. @default {} */
  serving?: ServingProcesses;
  /**
   * Used for every request when given. @default globalThis.fetch, except for streamed chat to a
   * loopback http server, which goes through the harness's own HTTP/1.1 client (see
   * {@linkcode streamChatCompletion})
   */
  fetch?: typeof fetch;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Backend kind reported in records. @default "openai" */
  kind?: "openai" | "lmstudio";
  /**
   * Read what the server says about itself in `describe()` (llama-server /props, Ollama
   * /api/show, ...) and refuse a contradicting model id, format or quantization. @default true
   */
  probeServer?: boolean;
  /** Configuration key, named in refusals. */
  modelKey?: string;
  /** Refuse a server that does not list `modelId` (false for a server the tool launched). @default true */
  checkModelId?: boolean;
  /** Context length from the configuration, when the server does not report one. */
  contextLength?: number;
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
  let server: ServerFacts | null = null;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown> | null> => {
    try {
      const res = await doFetch(`${serverOrigin(baseUrl)}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return null;
      }
      return await res.json();
    } catch {
      return null;
    }
  };
  return {
    id: `${options.kind ?? "openai"}:${options.modelId}`,
    kind: options.kind ?? "openai",
    async describe(): Promise<ModelFacts> {
      if (options.probeServer !== false && (options.kind ?? "openai") === "openai") {
        server = await probeOpenAiServer(baseUrl, {
          fetch: doFetch,
          headers,
          modelId: options.modelId,
        });
        if (Object.values(server.probed).every((status) => status === 0)) {
          throw new BackendError(`Cannot reach ${baseUrl}: no endpoint answered`);
        }
        if (server.models.length === 0 && server.probed["/v1/models"] === undefined) {
          throw new BackendError(`Cannot reach ${joinUrl(baseUrl, "models")}`);
        }
        checkServerFacts({
          modelKey: options.modelKey,
          modelId: options.modelId,
          format: options.format,
          quantization: options.quantization,
          checkModelId: options.checkModelId,
        }, server);
        return {
          id: options.modelId,
          format: server.format ?? options.format ?? null,
          quantization: server.quantization ?? options.quantization ?? null,
          loaded: server.models.length === 0 ? null : server.models.includes(options.modelId),
          maxContextLength: server.contextSize ?? options.contextLength ?? null,
          details: {
            served_models: server.models,
            server_kind: server.kind,
            // What could be checked against the configuration, and what the server does not say.
            verified: {
              model_id: server.models.length > 0,
              format: server.format !== null,
              quantization: server.quantization !== null,
            },
          },
          server,
        };
      }
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
      // llama-server reuses the longest cached prefix unless told not to (other servers ignore or
      // reject unknown fields, so only a server known to take it is told).
      if (server?.promptCacheControl) body.cache_prompt = request.cache === "warm";
      if (request.jsonSchema) {
        body.response_format = {
          type: "json_schema",
          json_schema: { name: "output", strict: true, schema: request.jsonSchema },
        };
      }
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 300_000);
      const signal = chatOptions.signal ? AbortSignal.any([chatOptions.signal, timeout]) : timeout;
      const result = await streamChatCompletion(joinUrl(baseUrl, "chat/completions"), body, {
        fetch: options.fetch,
        now: options.now,
        signal,
        headers,
        onContent: chatOptions.onContent,
        limits: options.limits,
        endpoint,
      });
      if (result.outputTokens === null && options.tokenCounter) {
        const counter = options.tokenCounter;
        result.outputTokens = await counter.count(result.reasoning + result.text);
        result.promptTokens ??= counter.countChat
          ? await counter.countChat(request.messages)
          : await counter.count(request.messages.map((m) => m.content).join("\n"));
        result.tokenCountSource = "tokenizer";
      }
      return result;
    },
    async countPromptTokens(messages: ChatMessage[]): Promise<PromptTokenCount | null> {
      if (server?.kind === "llama-server") {
        // The server's own chat template, then its own tokenizer.
        const rendered = await post("/apply-template", { messages });
        const prompt = typeof rendered?.prompt === "string" ? rendered.prompt : null;
        const tokens = prompt === null
          ? null
          : await post("/tokenize", { content: prompt, add_special: true, parse_special: true });
        if (Array.isArray(tokens?.tokens)) {
          return { tokens: tokens.tokens.length, method: "server" };
        }
      }
      if (options.tokenCounter?.countChat) {
        return { tokens: await options.tokenCounter.countChat(messages), method: "tokenizer" };
      }
      return null;
    },
    servingProcesses(): ServingProcesses {
      return options.serving ?? {};
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
