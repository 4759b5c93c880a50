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
 *        [llama-server flags, see parseFlags]
 * Prints one JSON line `{"port": N, "pid": P}` once it listens.
 */
import { createEmbeddedBackend, type EmbeddedBackendOptions } from "../../lib/backends/mod.ts";

/**
 * Flags: this server's own (`--model`, `--port`, `--model-id`, `--loaded-format`, `--quantization`,
 * `--threads`, `--context-size`) and llama-server's, applied to the engine so that optimization
 * rounds can be tested through a launched server: `-m`, `--host`, `-c`, `-b`, `-fa on|off`,
 * `-ctk`, `-ctv`, `-t`, `-np`, `-cb`, `-md`, `--draft-max`, `--draft-p-min`.
 */
function parseFlags(argv: string[]): Record<string, string> {
  const aliases: Record<string, string> = {
    "-m": "model",
    "-c": "context-size",
    "-b": "batch-size",
    "-fa": "flash-attn",
    "-ctk": "cache-type-k",
    "-ctv": "cache-type-v",
    "-t": "threads",
    "-np": "parallel",
    "-md": "model-draft",
  };
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-cb" || a === "--cont-batching") {
      out["cont-batching"] = "1";
      continue;
    }
    const name = aliases[a] ?? (a.startsWith("--") ? a.slice(2) : null);
    if (name === null) throw new Error(`unknown flag ${a}`);
    out[name] = argv[++i];
  }
  return out;
}

const args: Record<string, string> = {
  port: "0",
  "model-id": "test/stories260k",
  "loaded-format": "GGUF",
  quantization: "F32",
  threads: "1",
  "context-size": "4096",
  ...parseFlags(Deno.args),
};
if (!args.model) throw new Error("--model FILE (or -m FILE) is required");
if (args.host && args.host !== "127.0.0.1") {
  throw new Error("this test server listens on 127.0.0.1 only");
}
const modelPath: string = args.model;
const modelId = args["model-id"]!;
const loadedFormat = args["loaded-format"]!.toUpperCase();
const engine: EmbeddedBackendOptions = {
  modelId,
  threads: Number(args.threads),
  contextSize: Number(args["context-size"]),
  gpu: "off",
  flashAttention: args["flash-attn"] === undefined ? false : args["flash-attn"] === "on",
  batchSize: args["batch-size"] ? Number(args["batch-size"]) : undefined,
  kvCacheKeyType: args["cache-type-k"],
  kvCacheValueType: args["cache-type-v"],
  sequences: args.parallel ? Number(args.parallel) : 1,
  tokenPredictor: args["model-draft"]
    ? {
      kind: "draft",
      modelPath: args["model-draft"],
      maxTokens: args["draft-max"] ? Number(args["draft-max"]) : undefined,
      minConfidence: args["draft-p-min"] ? Number(args["draft-p-min"]) : undefined,
    }
    : undefined,
};
const backend = await createEmbeddedBackend(modelPath, engine);

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
  // llama-server's health and settings endpoints (settings read back from the engine).
  if (req.method === "GET" && url.pathname === "/health") return Response.json({ status: "ok" });
  if (req.method === "GET" && url.pathname === "/props") {
    const e = backend.effectiveSettings();
    return Response.json({
      default_generation_settings: { n_ctx: e.context_size },
      total_slots: e.sequences,
      model_path: modelPath,
      engine: e,
    });
  }
  if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
    return chatCompletions(req, arrivedAt);
  }
  return Response.json({ error: { message: `no route ${req.method} ${url.pathname}` } }, {
    status: 404,
  });
});
Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
