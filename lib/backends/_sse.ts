import { checkEndpoint, type EndpointCheck } from "../config/mod.ts";
import { Http1Error, http1Request, type Http1Response, usesHttp1 } from "./_http1.ts";
import { normalizeServerTimings } from "./_server_timings.ts";
import { SseEventTooLargeError, SseScanner } from "./_sse_scan.ts";
import { BackendError, type ChatResult } from "./_types.ts";

/** What one streamed answer may hold (experiment.yaml `response_limits`). */
export interface ResponseLimits {
  /**
   * Characters of answer text (and, separately, of reasoning) kept; the rest is received, timed
   * and counted (`outputChars`) but not stored, and the result says `truncated`. @default 1000000
   */
  maxTextChars?: number;
  /** Bytes one SSE event may hold; a bigger event fails the request. @default 8388608 */
  maxEventBytes?: number;
}

/** Default {@linkcode ResponseLimits}. */
export const DEFAULT_RESPONSE_LIMITS: Required<ResponseLimits> = {
  maxTextChars: 1_000_000,
  maxEventBytes: 8 * 1024 * 1024,
};

/** Options for {@linkcode streamChatCompletion}. */
export interface StreamChatOptions {
  /**
   * Send the request with this `fetch`. Without one, plain http to a loopback address or
   * `localhost` goes through the harness's own HTTP/1.1 client (lib/backends/_http1.ts: a
   * fraction of fetch's CPU per network chunk) and anything else through `globalThis.fetch`.
   * @default undefined
   */
  fetch?: typeof fetch;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Aborts the request, the whole response included (a timeout covers the stream too). */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Called with each non-empty content piece as it arrives (before any truncation). */
  onContent?: (text: string, arrivedAt: number) => void;
  /** Caps on stored text and on one event. @default DEFAULT_RESPONSE_LIMITS */
  limits?: ResponseLimits;
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

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

const ENCODER = new TextEncoder();

/**
 * POST an OpenAI-style streaming chat completion and consume its SSE stream, stamping each network
 * chunk with the clock as soon as it arrives, before decoding or parsing. The stream is scanned
 * incrementally (linear in its size); text beyond `limits.maxTextChars` is counted but not kept,
 * an event beyond `limits.maxEventBytes` fails the request. A URL the endpoint policy refuses is
 * an EndpointError before anything is sent.
 */
export async function streamChatCompletion(
  url: string,
  body: Record<string, unknown>,
  options: StreamChatOptions = {},
): Promise<ChatResult> {
  const target = checkEndpoint(
    url,
    options.endpoint ?? { source: "streamChatCompletion()", field: "url" },
  );
  const now = options.now ?? (() => performance.now());
  const maxText = options.limits?.maxTextChars ?? DEFAULT_RESPONSE_LIMITS.maxTextChars;
  const maxEvent = options.limits?.maxEventBytes ?? DEFAULT_RESPONSE_LIMITS.maxEventBytes;
  const payload = JSON.stringify({ ...body, stream: true });
  const headers = {
    "content-type": "application/json",
    accept: "text/event-stream",
    ...options.headers,
  };
  const raw = options.fetch === undefined && usesHttp1(target);
  let firstContentAt: number | null = null;
  let lastContentAt: number | null = null;
  let text = "";
  let reasoning = "";
  let outputChars = 0;
  let truncated = false;
  let finishReason: string | null = null;
  let promptTokens: number | null = null;
  let outputTokens: number | null = null;
  let cachedTokens: number | null = null;
  let timingsBody: unknown = null;
  let done = false;
  let events = 0;
  let status = 0;

  const handle = (data: string, arrivedAt: number) => {
    events++;
    if (data === "[DONE]") {
      done = true;
      return;
    }
    const plain = plainContent(data);
    if (plain !== null) {
      if (plain) {
        firstContentAt ??= arrivedAt;
        lastContentAt = arrivedAt;
        outputChars += plain.length;
        if (text.length + plain.length <= maxText) text += plain;
        else {
          if (text.length < maxText) text += plain.slice(0, maxText - text.length);
          truncated = true;
        }
        options.onContent?.(plain, arrivedAt);
      }
      return;
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data);
    } catch (error) {
      if (data.trim() === "[DONE]") {
        done = true;
        return;
      }
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
      if (piece) {
        outputChars += piece.length;
        if (text.length + piece.length <= maxText) text += piece;
        else {
          if (text.length < maxText) text += piece.slice(0, maxText - text.length);
          truncated = true;
        }
        options.onContent?.(piece, arrivedAt);
      }
      if (thought) {
        if (reasoning.length + thought.length <= maxText) reasoning += thought;
        else {
          if (reasoning.length < maxText) reasoning += thought.slice(0, maxText - reasoning.length);
          truncated = true;
        }
      }
    }
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    const usage = chunk.usage as Usage | null;
    if (usage) {
      promptTokens = usage.prompt_tokens ?? promptTokens;
      outputTokens = usage.completion_tokens ?? outputTokens;
      cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? cachedTokens;
    }
    if (chunk.timings || chunk.stats) timingsBody = chunk;
  };

  const scanner = new SseScanner(handle, maxEvent);
  const broke = (error: unknown): never => {
    if (error instanceof BackendError) throw error;
    if (error instanceof SseEventTooLargeError) {
      throw new BackendError(
        `Stream from ${url} sent an event of more than ${error.limit} bytes ` +
          `(response_limits.max_event_bytes in experiment.yaml): request abandoned`,
        { cause: error },
      );
    }
    throw new BackendError(`Stream from ${url} broke off: ${messageOf(error)}`, { cause: error });
  };
  const bytes = raw ? ENCODER.encode(payload) : null;
  const sentAt = now();
  if (raw) {
    let response: Http1Response;
    try {
      response = await http1Request({
        method: "POST",
        url: target,
        headers,
        body: bytes,
        signal: options.signal,
        now,
      });
    } catch (error) {
      throw new BackendError(`Cannot reach ${url}: ${messageOf(error)}`, { cause: error });
    }
    status = response.status;
    if (status < 200 || status > 299) {
      const text = await response.text(4096).catch(() => "");
      throw new BackendError(
        `${url} answered HTTP ${status}: ${text.slice(0, 300) || response.statusText}`,
        { status },
      );
    }
    try {
      await response.consume((buf, start, end, at) => scanner.push(buf, start, end, at));
      scanner.end(now());
    } catch (error) {
      broke(error instanceof Http1Error && error.cause ? error.cause : error);
    }
  } else {
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, {
        method: "POST",
        headers,
        body: payload,
        signal: options.signal,
      });
    } catch (error) {
      throw new BackendError(`Cannot reach ${url}: ${messageOf(error)}`, { cause: error });
    }
    status = response.status;
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      throw new BackendError(
        `${url} answered HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}`,
        { status: response.status },
      );
    }
    const reader = response.body.getReader();
    try {
      while (true) {
        const { value, done: ended } = await reader.read();
        const arrivedAt = now();
        if (ended) break;
        scanner.push(value, 0, value.length, arrivedAt);
      }
      scanner.end(now());
    } catch (error) {
      await reader.cancel().catch(() => {});
      broke(error);
    } finally {
      reader.releaseLock();
    }
  }
  if (events === 0) {
    // llama-cpp-python answers 200 and closes the stream at once when prompt + max_tokens exceed
    // its context; other servers send an error event or status. Say what was seen.
    throw new BackendError(
      `${url} answered HTTP ${status} with an empty stream (no event at all): the ` +
        `server gave no reason (llama-cpp-python does this when the prompt and max_tokens exceed ` +
        `its context)`,
      { status },
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
    outputChars,
    truncated,
  };
}

const CONTENT_KEY = '"content":"';
const DELTA_KEY = '"delta":{';
/**
 * Keys whose presence sends an event through JSON.parse (anything but plain content), and a
 * second `"content"` key: one scan for all of them.
 */
const OTHER_KEYS = /"(?:usage"|timings"|stats"|error"|reasoning|tool_calls")/;

/**
 * The content of an event that carries nothing but one plain piece of answer text, read without
 * JSON.parse (most events of a stream; parsing each costs more CPU than the rest of the read
 * path). The event must be a compact object holding `"finish_reason":null`, exactly one
 * `"content":"..."`, a key of the `"delta":{...}` object itself, whose value has no escape and ends the delta or precedes another key, and none
 * of usage, timings, stats, error, reasoning or tool calls. Anything else (escapes, whitespace,
 * other fields, a finish reason) returns null and is parsed in full, so the result is always what
 * JSON.parse would give. Inside a JSON string every quote is escaped, so a key pattern found here
 * is a real key, or a string value equal to it (which only costs the slow path).
 */
export function plainContent(data: string): string | null {
  if (data.charCodeAt(0) !== 123) return null;
  const at = data.indexOf(CONTENT_KEY);
  if (at === -1) return null;
  // The key belongs to the delta object itself (no brace between them).
  const delta = data.lastIndexOf(DELTA_KEY, at);
  if (delta === -1) return null;
  const inner = delta + DELTA_KEY.length;
  const brace = data.indexOf("{", inner);
  const close = data.indexOf("}", inner);
  if ((brace !== -1 && brace < at) || (close !== -1 && close < at)) return null;
  const from = at + CONTENT_KEY.length;
  const end = data.indexOf('"', from);
  if (end === -1) return null;
  const slash = data.indexOf("\\", from);
  if (slash !== -1 && slash < end) return null;
  const after = data.charCodeAt(end + 1);
  if (after !== 125 && after !== 44) return null;
  if (data.indexOf('"content"', end) !== -1 || data.lastIndexOf('"content"', at - 1) !== -1) {
    return null;
  }
  if (data.indexOf('"finish_reason":null') === -1) return null;
  if (OTHER_KEYS.test(data)) return null;
  return data.slice(from, end);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
