// deno-lint-ignore-file no-console
/**
 * A local server on 127.0.0.1 that speaks LM Studio's documented API and generates with the real
 * llama.cpp engine (node-llama-cpp, through lib/backends' embedded backend):
 * `GET /v1/models`, `GET /api/v0/models` (a gguf and an mlx entry for the model id, one loaded),
 * `GET /api/v1/models`, and streaming `POST /v1/chat/completions` with a final usage chunk.
 * The final chunk also carries the server's own measurements as llama-server `timings`
 * (prompt_ms = request arrival to first content chunk written; predicted_ms = first to last).
 *
 * Run: deno run -A tests/helpers/lmstudio_like_server.ts --model FILE [--port 0]
 *        [--model-id ID] [--loaded-format GGUF|MLX] [--quantization F32] [--threads 1]
 * Prints one JSON line `{"port": N, "pid": P}` once it listens.
 */
import { parseArgs } from "node:util";
import { createEmbeddedBackend } from "../../lib/backends/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    port: { type: "string", default: "0" },
    "model-id": { type: "string", default: "test/stories260k" },
    "loaded-format": { type: "string", default: "GGUF" },
    quantization: { type: "string", default: "F32" },
    threads: { type: "string", default: "1" },
    "context-size": { type: "string", default: "4096" },
  },
}).values;
if (!args.model) throw new Error("--model FILE is required");
const modelId = args["model-id"]!;
const loadedFormat = args["loaded-format"]!.toUpperCase();
const backend = await createEmbeddedBackend(args.model, {
  modelId,
  threads: Number(args.threads),
  contextSize: Number(args["context-size"]),
  gpu: "off",
  contextOptions: { flashAttention: false },
});

function v0Models() {
  const entry = (format: string, quantization: string) => ({
    id: modelId,
    object: "model",
    type: "llm",
    publisher: modelId.split("/")[0],
    arch: "llama",
    compatibility_type: format.toLowerCase(),
    quantization,
    state: format === loadedFormat ? "loaded" : "not-loaded",
    max_context_length: 2048,
  });
  return {
    object: "list",
    data: [entry("GGUF", args.quantization!), entry("MLX", "4bit")],
  };
}

function v1Models() {
  return {
    models: [{
      type: "llm",
      publisher: modelId.split("/")[0],
      key: modelId,
      display_name: "stories260K",
      architecture: "llama",
      quantization: {
        name: loadedFormat === "GGUF" ? args.quantization : "4bit",
        bits_per_weight: 32,
      },
      size_bytes: 1185376,
      params_string: "260K",
      loaded_instances: [{ id: modelId, config: { context_length: Number(args["context-size"]) } }],
      max_context_length: 2048,
      format: loadedFormat.toLowerCase(),
    }],
  };
}

const encoder = new TextEncoder();
const sse = (obj: unknown) => encoder.encode(`data: ${JSON.stringify(obj)}\n\n`);

async function chatCompletions(req: Request, arrivedAt: number): Promise<Response> {
  const body = await req.json();
  if (body.model !== modelId) {
    return Response.json({ error: { message: `model '${body.model}' not found` } }, {
      status: 404,
    });
  }
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: modelId,
    system_fingerprint: modelId,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let first: number | null = null;
      let last: number | null = null;
      try {
        controller.enqueue(sse(chunk({ role: "assistant", content: "" }, null)));
        const result = await backend.chat({
          messages: body.messages,
          maxTokens: body.max_tokens ?? 256,
          temperature: body.temperature ?? 0,
          seed: body.seed ?? 42,
        }, {
          onContent(text) {
            controller.enqueue(sse(chunk({ content: text }, null)));
            const t = performance.now();
            first ??= t;
            last = t;
          },
        });
        controller.enqueue(sse(chunk({}, result.finishReason ?? "stop")));
        const n = result.outputTokens ?? 0;
        const predictedMs = first !== null && last !== null ? last - first : 0;
        const final: Record<string, unknown> = {
          id,
          object: "chat.completion.chunk",
          created,
          model: modelId,
          choices: [],
          usage: {
            prompt_tokens: result.promptTokens,
            completion_tokens: n,
            total_tokens: (result.promptTokens ?? 0) + n,
          },
        };
        if (body.stream_options?.include_usage !== true) delete final.usage;
        final.timings = {
          prompt_n: result.promptTokens,
          prompt_ms: first !== null ? first - arrivedAt : null,
          predicted_n: n,
          predicted_ms: predictedMs,
          // Same definition as the client's headline figure: (n - 1) tokens over first→last.
          predicted_per_second: n > 1 && predictedMs > 0 ? (n - 1) / (predictedMs / 1000) : null,
        };
        controller.enqueue(sse(final));
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      } catch (error) {
        controller.enqueue(sse({ error: { message: (error as Error).message } }));
      }
      controller.close();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(args.port),
  onListen: ({ port }) => console.log(JSON.stringify({ port, pid: Deno.pid })),
}, (req) => {
  const arrivedAt = performance.now();
  const url = new URL(req.url);
  if (req.method === "GET" && url.pathname === "/v1/models") {
    return Response.json({
      object: "list",
      data: [{ id: modelId, object: "model", owned_by: "organization_owner" }],
    });
  }
  if (req.method === "GET" && url.pathname === "/api/v0/models") return Response.json(v0Models());
  if (req.method === "GET" && url.pathname === "/api/v1/models") return Response.json(v1Models());
  if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
    return chatCompletions(req, arrivedAt);
  }
  return Response.json({ error: { message: `no route ${req.method} ${url.pathname}` } }, {
    status: 404,
  });
});
Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
