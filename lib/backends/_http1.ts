/**
 * A small HTTP/1.1 client over `Deno.connect` for loopback servers: the timing path of streamed
 * chat completions. `fetch` costs about twice the CPU per network chunk (its stream machinery and
 * promise chain per read), which at 1,000 SSE events/s alone exceeds the harness's budget of 2 %
 * of a core. This client reads each network chunk into one reused buffer, stamps it on arrival
 * and hands the decoded body bytes to a callback, allocating nothing per chunk but the read's
 * promise. It speaks what OpenAI-compatible servers answer: `Content-Length`, chunked transfer
 * encoding (extensions and trailers skipped), bodies ending at close, keep-alive with a small
 * per-origin pool of idle connections (a stale pooled connection that closes before answering is
 * replaced once), and `Connection: close`. TLS is not spoken here: https URLs go through `fetch`.
 * @module
 */
import { isLoopbackHost } from "../config/mod.ts";

/** The transport failed (connection refused, reset, malformed response, abort). */
export class Http1Error extends Error {
  /** True when the failure came before any byte of the response head. */
  readonly beforeResponse: boolean;
  constructor(message: string, options: ErrorOptions & { beforeResponse: boolean }) {
    super(message, options);
    this.name = "Http1Error";
    this.beforeResponse = options.beforeResponse;
  }
}

/** One request. */
export interface Http1Request {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array | null;
  signal?: AbortSignal;
  /** Monotonic clock in ms that stamps each network chunk. */
  now: () => number;
}

/** Called with each span of decoded body bytes, `buf[start..end)`, and its arrival stamp. */
export type BodySink = (buf: Uint8Array, start: number, end: number, arrivedAt: number) => void;

/** A response whose head has been read. */
export interface Http1Response {
  status: number;
  statusText: string;
  /** Header values by lower-case name (repeated headers joined with ", "). */
  headers: Map<string, string>;
  /**
   * Read the body to its end, handing every span to `sink` (synchronously, in order, as each
   * network chunk arrives). A throw from `sink` stops reading, drops the connection and rejects.
   */
  consume(sink: BodySink): Promise<void>;
  /** The body as text, at most `limit` bytes of it (the rest is not read; the connection is dropped). */
  text(limit?: number): Promise<string>;
  /** Drop the connection without reading further. */
  cancel(): void;
}

/** Whether `url` is served by this client: plain http to a loopback address or `localhost`. */
export function usesHttp1(url: URL): boolean {
  if (url.protocol !== "http:") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  // Names other than localhost would need a lookup: they go through fetch.
  return (host === "localhost" || /^[\d.]+$/.test(host) || host === "::1") &&
    isLoopbackHost(host);
}

const IDLE_MS = 2000;
const MAX_IDLE_PER_ORIGIN = 8;
const MAX_HEAD_BYTES = 64 * 1024;
const READ_BUFFER_BYTES = 64 * 1024;

interface Connection {
  conn: Deno.TcpConn;
  buf: Uint8Array;
  idleSince: number;
}

const idle = new Map<string, Connection[]>();

function originKey(url: URL): string {
  return `${url.hostname}:${url.port || "80"}`;
}

async function connect(url: URL): Promise<Connection> {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = Number(url.port || "80");
  // localhost is never looked up: IPv4 loopback first, then IPv6.
  const candidates = host === "localhost" ? ["127.0.0.1", "::1"] : [host];
  let last: unknown = null;
  for (const hostname of candidates) {
    try {
      const conn = await Deno.connect({ hostname, port, transport: "tcp" });
      conn.setNoDelay(true);
      return { conn, buf: new Uint8Array(READ_BUFFER_BYTES), idleSince: 0 };
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

function takeIdle(key: string, now: number): Connection | null {
  const list = idle.get(key);
  while (list && list.length > 0) {
    const c = list.pop()!;
    if (now - c.idleSince < IDLE_MS) return c;
    close(c);
  }
  return null;
}

function putIdle(key: string, c: Connection): void {
  c.idleSince = performance.now();
  const list = idle.get(key) ?? [];
  if (list.length >= MAX_IDLE_PER_ORIGIN) {
    close(c);
    return;
  }
  list.push(c);
  idle.set(key, list);
}

function close(c: Connection): void {
  try {
    c.conn.close();
  } catch { /* already closed */ }
}

/** Close every idle pooled connection (tests, and a tool about to exit). */
export function closeIdleConnections(): void {
  for (const list of idle.values()) for (const c of list) close(c);
  idle.clear();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const MANAGED_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

function requestBytes(req: Http1Request): Uint8Array {
  const { url } = req;
  let head = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  const names = new Set<string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) {
      throw new TypeError(`HTTP header ${JSON.stringify(name)} holds a line break or a colon`);
    }
    const lower = name.toLowerCase();
    // The client sets these itself (framing and connection reuse depend on them).
    if (MANAGED_HEADERS.has(lower)) continue;
    names.add(lower);
    head += `${name}: ${value}\r\n`;
  }
  if (!names.has("accept-encoding")) head += "accept-encoding: identity\r\n";
  head += `connection: keep-alive\r\ncontent-length: ${req.body?.length ?? 0}\r\n\r\n`;
  const headBytes = new TextEncoder().encode(head);
  if (!req.body) return headBytes;
  const all = new Uint8Array(headBytes.length + req.body.length);
  all.set(headBytes);
  all.set(req.body, headBytes.length);
  return all;
}

/**
 * Send one request and read the response head. Rejects with {@linkcode Http1Error} when the
 * server cannot be reached, the connection fails before the head is complete, the head is
 * malformed, or `signal` aborts (its reason is the cause).
 */
export async function http1Request(req: Http1Request): Promise<Http1Response> {
  const key = originKey(req.url);
  const bytes = requestBytes(req);
  for (let attempt = 0;; attempt++) {
    if (req.signal?.aborted) {
      throw new Http1Error(messageOf(req.signal.reason), {
        cause: req.signal.reason,
        beforeResponse: true,
      });
    }
    const pooled = attempt === 0 ? takeIdle(key, performance.now()) : null;
    let c: Connection;
    try {
      c = pooled ?? await connect(req.url);
    } catch (error) {
      throw new Http1Error(messageOf(error), { cause: error, beforeResponse: true });
    }
    try {
      return await exchange(c, key, bytes, req);
    } catch (error) {
      // A pooled connection the server closed while idle fails before any answer: retry once on
      // a new one (the server never saw the request).
      if (pooled && error instanceof Http1Error && error.beforeResponse && !req.signal?.aborted) {
        continue;
      }
      throw error;
    }
  }
}

async function exchange(
  c: Connection,
  key: string,
  bytes: Uint8Array,
  req: Http1Request,
): Promise<Http1Response> {
  const { conn } = c;
  let buf = c.buf;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    close(c);
  };
  req.signal?.addEventListener("abort", onAbort, { once: true });
  const fail = (error: unknown, beforeResponse: boolean): never => {
    req.signal?.removeEventListener("abort", onAbort);
    close(c);
    const reason = aborted ? req.signal!.reason : error;
    throw new Http1Error(messageOf(reason), { cause: reason, beforeResponse });
  };
  try {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
  } catch (error) {
    fail(error, true);
  }

  // The head: bytes up to the blank line (1xx interim answers skipped).
  let head = new Uint8Array(0);
  let bodyEnd = 0;
  let headAt = 0;
  let status = 0;
  let statusText = "";
  let version = "";
  const headers = new Map<string, string>();
  for (;;) {
    const end = findBlankLine(head);
    if (end === -1) {
      if (head.length > MAX_HEAD_BYTES) {
        return fail(new Error(`response head larger than ${MAX_HEAD_BYTES} bytes`), false);
      }
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (error) {
        return fail(error, head.length === 0);
      }
      headAt = req.now();
      if (n === null) {
        return fail(new Error("the server closed the connection without an answer"), true);
      }
      const merged = new Uint8Array(head.length + n);
      merged.set(head);
      merged.set(buf.subarray(0, n), head.length);
      head = merged;
      continue;
    }
    const lines = new TextDecoder().decode(head.subarray(0, end)).split("\r\n");
    const m = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) return fail(new Error(`malformed status line ${JSON.stringify(lines[0])}`), false);
    version = m[1];
    status = Number(m[2]);
    statusText = m[3] ?? "";
    headers.clear();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) {
        return fail(new Error(`malformed header line ${JSON.stringify(line)}`), false);
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const seen = headers.get(name);
      headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
    }
    const rest = head.subarray(end + 4);
    if (status >= 100 && status < 200) {
      head = rest.slice();
      continue;
    }
    // Body bytes that came with the head, moved to the front of the read buffer.
    if (rest.length > c.buf.length) c.buf = new Uint8Array(rest.length);
    c.buf.set(rest);
    bodyEnd = rest.length;
    break;
  }
  buf = c.buf;
  const bodyStart = 0;

  const te = headers.get("transfer-encoding")?.toLowerCase() ?? "";
  const chunked = /(?:^|,)\s*chunked\s*$/.test(te);
  const lengthHeader = headers.get("content-length");
  const length = chunked || lengthHeader === undefined ? null : Number(lengthHeader);
  if (length !== null && (!Number.isSafeInteger(length) || length < 0)) {
    return fail(new Error(`bad content-length ${JSON.stringify(lengthHeader)}`), false);
  }
  const connectionHeader = headers.get("connection")?.toLowerCase() ?? "";
  const noBody = status === 204 || status === 304;
  let reusable = !/\bclose\b/.test(connectionHeader) &&
    (version === "1.1" || /\bkeep-alive\b/.test(connectionHeader)) &&
    (chunked || length !== null || noBody);
  let finished = false;
  let dropped = false;
  const drop = () => {
    if (dropped || finished) return;
    dropped = true;
    req.signal?.removeEventListener("abort", onAbort);
    close(c);
  };
  const finish = (extra: boolean) => {
    finished = true;
    req.signal?.removeEventListener("abort", onAbort);
    if (reusable && !extra && !aborted) putIdle(key, c);
    else close(c);
  };

  async function consume(sink: BodySink): Promise<void> {
    if (dropped || finished) throw new Error("the response body was already read or dropped");
    const decoder = chunked ? new ChunkedDecoder(sink) : null;
    let remaining = noBody ? 0 : length;
    const feed = (start: number, end: number, at: number): boolean => {
      if (decoder) {
        const used = decoder.push(buf, start, end, at);
        if (decoder.done) {
          finish(used < end);
          return true;
        }
        return false;
      }
      if (remaining === null) {
        if (end > start) sink(buf, start, end, at);
        return false;
      }
      const take = Math.min(remaining, end - start);
      if (take > 0) sink(buf, start, start + take, at);
      remaining -= take;
      if (remaining === 0) {
        finish(start + take < end);
        return true;
      }
      return false;
    };
    try {
      if ((remaining === 0 && !decoder) || feed(bodyStart, bodyEnd, headAt)) {
        if (!finished) finish(false);
        return;
      }
      for (;;) {
        let n: number | null;
        try {
          n = await conn.read(buf);
        } catch (error) {
          const reason = aborted ? req.signal!.reason : error;
          throw new Http1Error(messageOf(reason), { cause: reason, beforeResponse: false });
        }
        const at = req.now();
        if (n === null) {
          if (remaining === null && !decoder) {
            reusable = false;
            finish(false);
            return;
          }
          throw new Http1Error("the server closed the connection before the end of the response", {
            beforeResponse: false,
          });
        }
        if (feed(0, n, at)) return;
      }
    } catch (error) {
      drop();
      throw error;
    }
  }

  return {
    status,
    statusText,
    headers,
    consume,
    async text(limit = 64 * 1024): Promise<string> {
      const parts: Uint8Array[] = [];
      let size = 0;
      const stop = new Error("limit");
      try {
        await consume((b, s, e) => {
          const take = Math.min(e - s, limit - size);
          parts.push(b.slice(s, s + take));
          size += take;
          if (size >= limit) throw stop;
        });
      } catch (error) {
        if (error !== stop) throw error;
      }
      const all = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      return new TextDecoder().decode(all);
    },
    cancel: drop,
  };
}

/** Index of the `\r\n\r\n` ending a head, or -1. */
function findBlankLine(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(13); i !== -1 && i + 3 < bytes.length; i = bytes.indexOf(13, i + 1)) {
    if (bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

const enum Chunk {
  Size,
  Extension,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** Decodes chunked transfer encoding incrementally, handing data spans to a sink without copying. */
class ChunkedDecoder {
  #sink: BodySink;
  #state = Chunk.Size;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #trailerLine = 0;

  constructor(sink: BodySink) {
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#state === Chunk.Done;
  }

  /** Decode `buf[start..end)`; returns how far it read (less than `end` only once done). */
  push(buf: Uint8Array, start: number, end: number, at: number): number {
    let i = start;
    while (i < end) {
      switch (this.#state) {
        case Chunk.Data: {
          const take = Math.min(this.#remaining, end - i);
          this.#sink(buf, i, i + take, at);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = Chunk.DataEnd;
          break;
        }
        case Chunk.Size: {
          const b = buf[i++];
          const digit = b >= 48 && b <= 57
            ? b - 48
            : b >= 97 && b <= 102
            ? b - 87
            : b >= 65 && b <= 70
            ? b - 55
            : -1;
          if (digit >= 0) {
            if (++this.#digits > 12) throw new Http1Error("chunk size too large", bad);
            this.#size = this.#size * 16 + digit;
          } else if (b === 59 || b === 32 || b === 9) {
            this.#state = Chunk.Extension;
          } else if (b === 10) {
            this.#endSize();
          } else if (b !== 13) {
            throw new Http1Error(`malformed chunk size (byte ${b})`, bad);
          }
          break;
        }
        case Chunk.Extension:
          if (buf[i++] === 10) this.#endSize();
          break;
        case Chunk.DataEnd: {
          const b = buf[i++];
          if (b === 10) this.#state = Chunk.Size;
          else if (b !== 13) throw new Http1Error("chunk data longer than its size", bad);
          break;
        }
        case Chunk.Trailer: {
          const b = buf[i++];
          if (b === 10) {
            if (this.#trailerLine === 0) {
              this.#state = Chunk.Done;
              return i;
            }
            this.#trailerLine = 0;
          } else if (b !== 13) this.#trailerLine++;
          break;
        }
        case Chunk.Done:
          return i;
      }
    }
    return i;
  }

  #endSize(): void {
    if (this.#digits === 0) throw new Http1Error("empty chunk size", bad);
    if (this.#size === 0) {
      this.#state = Chunk.Trailer;
      this.#trailerLine = 0;
    } else {
      this.#state = Chunk.Data;
      this.#remaining = this.#size;
    }
    this.#size = 0;
    this.#digits = 0;
  }
}

const bad = { beforeResponse: false } as const;
