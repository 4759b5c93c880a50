// deno-lint-ignore-file no-console
/**
 * A SCRIPTED FAKE of an LM Studio / OpenAI-compatible server (no model) for the harness-cost
 * benches: it streams a fixed answer at a fixed pace, so every CPU cycle a client spends on it is
 * the client's own (the server runs in its own process). `POST /v1/chat/completions` answers after
 * `--delay-ms`, then sends one SSE event per token, `--interval-ms` apart on a fixed schedule (a
 * late wake-up sends the events that are due, each as its own write), then a finish event, a usage
 * event with llama-server-style `timings` and `[DONE]`. The events are shaped like LM Studio's
 * (id, object, created, model, system_fingerprint, choices with index, delta, logprobs,
 * finish_reason). `GET /v1/models`, `/api/v0/models` and `/api/v1/models` list the one model.
 *
 * Run: deno run -A tests/helpers/paced_server.ts [--interval-ms 1] [--tokens 128] [--delay-ms 0]
 *        [--model-id test/paced] [--answer TEXT | --answer-bytes N]
 * Prints one JSON line `{"port": N, "pid": P}` once it listens on 127.0.0.1.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** A running paced server subprocess. */
export interface PacedServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** Options of {@linkcode startPacedServer} (the script's flags). */
export interface PacedServerOptions {
  /** Milliseconds between two token events. @default 1 */
  intervalMs?: number;
  /** Token events per answer (capped by the request's max_tokens). @default 128 */
  tokens?: number;
  /** Milliseconds before the first event (the "prefill"). @default 0 */
  delayMs?: number;
  /** Model id listed and expected. @default "test/paced" */
  modelId?: string;
  /** Answer text, sent as one event (instead of `tokens` word events). @default none */
  answer?: string;
  /** Answer of this many ASCII characters, sent as one event (a huge single event). @default none */
  answerBytes?: number;
}

/** Start this script as a subprocess on 127.0.0.1 and wait until it listens. */
export async function startPacedServer(options: PacedServerOptions = {}): Promise<PacedServer> {
  const args = [
    "run",
    "-A",
    fileURLToPath(import.meta.url),
    "--interval-ms",
    String(options.intervalMs ?? 1),
    "--tokens",
    String(options.tokens ?? 128),
    "--delay-ms",
    String(options.delayMs ?? 0),
    "--model-id",
    options.modelId ?? "test/paced",
    ...(options.answer !== undefined ? ["--answer", options.answer] : []),
    ...(options.answerBytes !== undefined ? ["--answer-bytes", String(options.answerBytes)] : []),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("paced server exited before listening");
    buffer += value;
  }
  reader.releaseLock();
  const { port } = JSON.parse(buffer.split("\n")[0]);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

const WORDS = [
  " the",
  " bank",
  " card",
  " account",
  " transfer",
  " is",
  " ready",
  ",",
  " and",
  ".",
];

function serve(): void {
  const flags = parseArgs({
    args: Deno.args,
    options: {
      "interval-ms": { type: "string", default: "1" },
      tokens: { type: "string", default: "128" },
      "delay-ms": { type: "string", default: "0" },
      "model-id": { type: "string", default: "test/paced" },
      answer: { type: "string" },
      "answer-bytes": { type: "string" },
    },
  }).values;
  const intervalMs = Number(flags["interval-ms"]);
  const tokens = Number(flags.tokens);
  const delayMs = Number(flags["delay-ms"]);
  const modelId = flags["model-id"]!;
  const answer = flags["answer-bytes"] !== undefined
    ? "0123456789abcdef".repeat(Math.ceil(Number(flags["answer-bytes"]) / 16)).slice(
      0,
      Number(flags["answer-bytes"]),
    )
    : flags.answer;
  const encoder = new TextEncoder();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

  const v0 = {
    object: "list",
    data: [{
      id: modelId,
      object: "model",
      type: "llm",
      publisher: "test",
      arch: "llama",
      compatibility_type: "gguf",
      quantization: "F32",
      state: "loaded",
      max_context_length: 4096,
    }],
  };
  const v1 = {
    models: [{
      type: "llm",
      publisher: "test",
      key: modelId,
      display_name: "paced",
      architecture: "llama",
      quantization: { name: "F32", bits_per_weight: 32 },
      size_bytes: 1,
      params_string: "0",
      loaded_instances: [{ id: modelId, config: { context_length: 4096 } }],
      max_context_length: 4096,
      format: "gguf",
    }],
  };

  async function chat(req: Request): Promise<Response> {
    const body = await req.json();
    const n = Math.max(1, Math.min(tokens, body.max_tokens ?? tokens));
    const id = `chatcmpl-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const event = (delta: Record<string, unknown>, finish: string | null) =>
      encoder.encode(
        `data: ${
          JSON.stringify({
            id,
            object: "chat.completion.chunk",
            created,
            model: modelId,
            system_fingerprint: modelId,
            choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          })
        }\n\n`,
      );
    const arrived = performance.now();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(event({ role: "assistant", content: "" }, null));
        if (delayMs > 0) await sleep(delayMs);
        const first = performance.now();
        const pieces = answer !== undefined
          ? [answer]
          : Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]);
        for (let i = 0; i < pieces.length; i++) {
          const due = first + i * intervalMs;
          const wait = due - performance.now();
          if (wait > 0.5) await sleep(wait);
          controller.enqueue(event({ content: pieces[i] }, null));
        }
        const last = performance.now();
        controller.enqueue(event({}, pieces.length >= n ? "length" : "stop"));
        const usage = body.stream_options?.include_usage === true
          ? { prompt_tokens: 100, completion_tokens: pieces.length, total_tokens: 100 + n }
          : undefined;
        const predicted = last - first;
        controller.enqueue(encoder.encode(
          `data: ${
            JSON.stringify({
              id,
              object: "chat.completion.chunk",
              created,
              model: modelId,
              choices: [],
              usage,
              timings: {
                prompt_n: 100,
                prompt_ms: first - arrived,
                predicted_n: pieces.length,
                predicted_ms: predicted,
                predicted_per_second: pieces.length > 1 && predicted > 0
                  ? (pieces.length - 1) / (predicted / 1000)
                  : null,
              },
            })
          }\n\n`,
        ));
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ port, pid: Deno.pid })),
  }, (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/v1/chat/completions") return chat(req);
    if (path === "/v1/models") return Response.json({ object: "list", data: [{ id: modelId }] });
    if (path === "/api/v0/models") return Response.json(v0);
    if (path === "/api/v1/models") return Response.json(v1);
    return Response.json({ error: { message: `no route ${path}` } }, { status: 404 });
  });
  Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
}

if (import.meta.main) serve();
