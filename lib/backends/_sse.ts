import { checkEndpoint, type EndpointCheck } from "../config/mod.ts";
import { normalizeServerTimings } from "./_server_timings.ts";
import { BackendError, type ChatResult } from "./_types.ts";

/** Options for {@linkcode streamChatCompletion}. */
export interface StreamChatOptions {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Called with each non-empty content piece as it arrives. */
  onContent?: (text: string, arrivedAt: number) => void;
  /**
   * Where `url` came from and whether a non-loopback host is allowed (the endpoint policy).
   * @default {source: "streamChatCompletion()", field: "url", allowRemote: false}
   */
  endpoint?: EndpointCheck;
}

interface Delta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/**
 * POST an OpenAI-style streaming chat completion and consume its SSE stream, stamping each network
 * chunk with the clock as soon as it arrives, before decoding or parsing. A URL the endpoint
 * policy refuses is an EndpointError before anything is sent.
 */
export async function streamChatCompletion(
  url: string,
  body: Record<string, unknown>,
  options: StreamChatOptions = {},
): Promise<ChatResult> {
  checkEndpoint(url, options.endpoint ?? { source: "streamChatCompletion()", field: "url" });
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => performance.now());
  const payload = JSON.stringify({ ...body, stream: true });
  const sentAt = now();
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: payload,
      signal: options.signal,
    });
  } catch (error) {
    throw new BackendError(`Cannot reach ${url}: ${messageOf(error)}`, { cause: error });
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => "");
    throw new BackendError(
      `${url} answered HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}`,
      { status: response.status },
    );
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let firstContentAt: number | null = null;
  let lastContentAt: number | null = null;
  let text = "";
  let reasoning = "";
  let finishReason: string | null = null;
  let promptTokens: number | null = null;
  let outputTokens: number | null = null;
  let cachedTokens: number | null = null;
  let timingsBody: unknown = null;
  let done = false;
  let events = 0;

  const handle = (data: string, arrivedAt: number) => {
    events++;
    if (data === "[DONE]") {
      done = true;
      return;
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data);
    } catch (error) {
      throw new BackendError(`Malformed stream chunk from ${url}: ${data.slice(0, 120)}`, {
        cause: error,
      });
    }
    if (chunk.error) {
      const e = chunk.error as { message?: string };
      throw new BackendError(`${url} sent an error in the stream: ${e.message ?? data}`);
    }
    const choice = (chunk.choices as { delta?: Delta; finish_reason?: string | null }[] ?? [])[0];
    const delta = choice?.delta;
    const piece = delta?.content ?? "";
    const thought = delta?.reasoning_content ?? delta?.reasoning ?? "";
    if (piece || thought) {
      firstContentAt ??= arrivedAt;
      lastContentAt = arrivedAt;
      text += piece;
      reasoning += thought;
      if (piece) options.onContent?.(piece, arrivedAt);
    }
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    const usage = chunk.usage as {
      prompt_tokens?: number;
      completion_tokens?: number;
      prompt_tokens_details?: { cached_tokens?: number } | null;
    } | null;
    if (usage) {
      promptTokens = usage.prompt_tokens ?? promptTokens;
      outputTokens = usage.completion_tokens ?? outputTokens;
      cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? cachedTokens;
    }
    if (chunk.timings || chunk.stats) timingsBody = chunk;
  };

  try {
    while (true) {
      const { value, done: ended } = await reader.read();
      const arrivedAt = now();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = event.split(/\r?\n/)
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        if (data) handle(data, arrivedAt);
      }
    }
  } catch (error) {
    if (error instanceof BackendError) throw error;
    throw new BackendError(`Stream from ${url} broke off: ${messageOf(error)}`, { cause: error });
  } finally {
    reader.releaseLock();
  }
  if (events === 0) {
    // llama-cpp-python answers 200 and closes the stream at once when prompt + max_tokens exceed
    // its context; other servers send an error event or status. Say what was seen.
    throw new BackendError(
      `${url} answered HTTP ${response.status} with an empty stream (no event at all): the ` +
        `server gave no reason (llama-cpp-python does this when the prompt and max_tokens exceed ` +
        `its context)`,
      { status: response.status },
    );
  }
  if (!done && finishReason === null) {
    throw new BackendError(`Stream from ${url} ended before [DONE] or a finish reason`);
  }
  const endAt = now();
  const server = normalizeServerTimings(timingsBody);
  // Processed vs cached prompt tokens: llama-server's timings (prompt_n, cache_n) say both; an
  // OpenAI-style usage block may say how many were cached.
  const cachedPromptTokens = server?.cached_prompt_tokens ?? cachedTokens;
  const processedPromptTokens = server?.source === "llama-server"
    ? server.prompt_tokens
    : cachedPromptTokens !== null && promptTokens !== null
    ? Math.max(0, promptTokens - cachedPromptTokens)
    : null;
  return {
    text,
    reasoning,
    timing: { sentAt, firstContentAt, lastContentAt, endAt },
    promptTokens,
    outputTokens,
    tokenCountSource: outputTokens !== null ? "server" : null,
    finishReason,
    serverTimings: server,
    cachedPromptTokens,
    processedPromptTokens,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
