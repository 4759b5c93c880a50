/**
 * A SCRIPTED llama-server stand-in on 127.0.0.1 (no model): it keeps the last prompt like
 * llama-server's slot cache and reports, in each stream's final `timings`, how many prompt
 * "tokens" (whitespace-separated words of the rendered chat) it reused (`cache_n`) and evaluated
 * (`prompt_n`), unless the request says `cache_prompt: false`. Tests use it where they need exact,
 * known cache behaviour; the real third-party server is llama-cpp-python (tests/helpers).
 */

/** Options of {@linkcode startCachingServer}. */
export interface CachingServerOptions {
  /** Honour `cache_prompt: false` like llama-server (false: like servers that cannot be told). @default true */
  honourCachePrompt?: boolean;
  /** Per-slot context (`/props` n_ctx), in words. @default 4096 */
  contextSize?: number;
  /** Model file the server claims to have loaded (quantization is read from its name). */
  modelPath?: string;
  /** Id listed by /v1/models. @default "scripted" */
  modelId?: string;
  /** Milliseconds of "prefill" per evaluated word (so a cache hit shows in TTFT). @default 0.2 */
  msPerPromptWord?: number;
  /** Answer HTTP 400 to requests whose max_tokens exceeds this. @default Infinity */
  maxTokensLimit?: number;
  /** Answer HTTP 500 to the first N chat requests (a server in trouble). @default 0 */
  failFirst?: number;
  /** Content chunks per answer (at most max_tokens). @default 6 */
  outputTokens?: number;
  /** Milliseconds between successive content chunks (the ITL it scripts). @default 2 */
  gapMs?: number | ((index: number) => number);
  /**
   * Indices of chunks sent together with the next one in a single write (one network read: a
   * chunk that carries two tokens for the client). @default []
   */
  coalesce?: number[];
  /**
   * Extra "prefill" milliseconds of the n-th chat request (0-based; e.g. seeded noise of a known
   * spread), added before the first chunk. @default none
   */
  extraTtftMs?: (request: number) => number;
  /**
   * Schedule every chunk from the request's arrival (first at TTFT, the i-th `i` gaps later)
   * instead of sleeping one gap after the previous write: a timer that fires late on a busy
   * machine then shortens the next gap instead of pushing back every later chunk, so a request's
   * TTFT and decode time carry only the lateness of one timer. @default false
   */
  anchored?: boolean;
}

/** A running scripted server. */
export interface CachingServer {
  baseUrl: string;
  /** Every chat request body received, in order. */
  requests: Record<string, unknown>[];
  stop(): Promise<void>;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

function render(messages: { role: string; content: string }[]): string {
  return messages.map((m) => `<|${m.role}|> ${m.content}`).join(" ") + " <|assistant|>";
}

/** Start the scripted caching server. */
export function startCachingServer(options: CachingServerOptions = {}): CachingServer {
  let previous: string[] = [];
  const requests: Record<string, unknown>[] = [];
  const ctx = options.contextSize ?? 4096;
  const msPerWord = options.msPerPromptWord ?? 0.2;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method === "GET" && url.pathname === "/props") {
      return Response.json({
        default_generation_settings: { n_ctx: ctx, params: {} },
        total_slots: 1,
        model_path: options.modelPath ?? "/models/scripted-model-F32.gguf",
        build_info: "b0-scripted",
      });
    }
    if (req.method === "GET" && url.pathname === "/v1/models") {
      return Response.json({
        object: "list",
        data: [{ id: options.modelId ?? "scripted", object: "model", meta: { n_ctx_train: ctx } }],
      });
    }
    if (req.method === "POST" && url.pathname === "/apply-template") {
      const body = await req.json();
      return Response.json({ prompt: render(body.messages) });
    }
    if (req.method === "POST" && url.pathname === "/tokenize") {
      const body = await req.json();
      return Response.json({ tokens: words(body.content).map((_, i) => i) });
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      const body = await req.json();
      requests.push(body);
      if (requests.length <= (options.failFirst ?? 0)) {
        return Response.json({ error: { message: "internal error (scripted)" } }, { status: 500 });
      }
      if ((body.max_tokens ?? 0) > (options.maxTokensLimit ?? Infinity)) {
        return Response.json({ error: { message: "max_tokens too large", code: 400 } }, {
          status: 400,
        });
      }
      const prompt = words(render(body.messages));
      if (prompt.length + body.max_tokens > ctx) {
        return Response.json({ error: { message: "the request exceeds the available context" } }, {
          status: 400,
        });
      }
      const noReuse = (options.honourCachePrompt ?? true) && body.cache_prompt === false;
      let cached = 0;
      if (!noReuse) {
        while (cached < prompt.length - 1 && prompt[cached] === previous[cached]) cached++;
      }
      previous = prompt;
      const processed = prompt.length - cached;
      const n = Math.min(body.max_tokens, options.outputTokens ?? 6);
      const index = requests.length - 1;
      const extra = options.extraTtftMs?.(index) ?? 0;
      const gap = options.gapMs ?? 2;
      const gapOf = (i: number) => typeof gap === "function" ? gap(i) : gap;
      const together = new Set(options.coalesce ?? []);
      const enc = new TextEncoder();
      const stream = new ReadableStream({
        async start(c) {
          const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
          const send = (o: unknown) => c.enqueue(enc.encode(event(o)));
          const piece = (i: number) => ({
            choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: null }],
          });
          const arrival = performance.now();
          const ttft = processed * msPerWord + extra;
          await new Promise((r) => setTimeout(r, ttft));
          let due = arrival + ttft;
          for (let i = 0; i < n; i++) {
            if (together.has(i) && i + 1 < n) {
              // Two events in one write: the client reads them as one chunk.
              c.enqueue(enc.encode(event(piece(i)) + event(piece(i + 1))));
              i++;
            } else send(piece(i));
            if (i + 1 < n) {
              due += gapOf(i);
              const wait = options.anchored ? Math.max(0, due - performance.now()) : gapOf(i);
              await new Promise((r) => setTimeout(r, wait));
            }
          }
          send({
            choices: [{ index: 0, delta: {}, finish_reason: "length" }],
            usage: {
              prompt_tokens: prompt.length,
              completion_tokens: n,
              total_tokens: prompt.length + n,
            },
            timings: {
              cache_n: cached,
              prompt_n: processed,
              prompt_ms: processed * msPerWord,
              predicted_n: n,
              predicted_ms: n * gapOf(0),
              predicted_per_second: 500,
            },
          });
          c.enqueue(enc.encode("data: [DONE]\n\n"));
          c.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    stop: () => server.shutdown(),
  };
}
