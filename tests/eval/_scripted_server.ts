/**
 * A SCRIPTED FAKE of an OpenAI-compatible server (not a model): `POST /v1/chat/completions`
 * streams the answer a test script chooses for each request, as SSE chunks, then a finish chunk,
 * a usage chunk with llama-server-style `timings` (incl. `cache_n`) and `[DONE]`. It listens on
 * 127.0.0.1, port 0, and serves at most `slots` requests at once (others wait, like llama-server
 * with --parallel N).
 */

/** What the script answers to one request. */
export interface ScriptedReply {
  /** Text streamed as the answer. @default "" */
  content?: string;
  /** Answer with this HTTP status and no stream instead (e.g. 500). */
  status?: number;
  /** Time spent "processing" before streaming (ms). @default 0 */
  delayMs?: number;
  /** Reported prompt tokens served from cache (llama-server `timings.cache_n`). @default 0 */
  cacheN?: number;
  /** Reported prompt tokens. @default 100 */
  promptN?: number;
  /** Finish reason of the last chunk (`length`: cut by max_tokens). @default "stop" */
  finishReason?: string;
}

/** The chat request a script sees. */
export interface ScriptedRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: unknown;
  max_tokens?: number;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** Base URL including /v1. */
  baseUrl: string;
  /** Requests received so far. */
  readonly requests: number;
  /** Most requests being processed at the same time. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** The last `Query:`/`Sentence:` line of a classification prompt. */
export function queryOf(request: ScriptedRequest): string {
  const prompt = request.messages.at(-1)?.content ?? "";
  const all = [...prompt.matchAll(/^(?:Query|Sentence): (.*)$/gm)];
  return all.at(-1)?.[1] ?? "";
}

/**
 * Start a scripted server. With `bearer`, a request without `authorization: Bearer <bearer>`
 * gets HTTP 401 (like a server that needs an API key).
 */
export function startScriptedServer(
  script: (request: ScriptedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>,
  options: { slots?: number; bearer?: string } = {},
): ScriptedServer {
  const slots = options.slots ?? 1;
  let busy = 0;
  let requests = 0;
  let maxInFlight = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (busy >= slots) await new Promise<void>((r) => waiting.push(r));
    busy++;
    maxInFlight = Math.max(maxInFlight, busy);
  };
  const release = () => {
    busy--;
    waiting.shift()?.();
  };
  const encoder = new TextEncoder();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (options.bearer && req.headers.get("authorization") !== `Bearer ${options.bearer}`) {
      return new Response(JSON.stringify({ error: { message: "invalid api key" } }), {
        status: 401,
      });
    }
    if (req.method === "GET" && url.pathname === "/v1/models") {
      return Response.json({ data: [{ id: "scripted" }] });
    }
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json() as ScriptedRequest;
    const index = requests++;
    await acquire();
    let reply: ScriptedReply;
    try {
      reply = await script(body, index);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    } catch (error) {
      release();
      throw error;
    }
    if (reply.status && reply.status !== 200) {
      release();
      return new Response(JSON.stringify({ error: { message: "scripted failure" } }), {
        status: reply.status,
      });
    }
    const content = reply.content ?? "";
    const pieces = content.match(/[\s\S]{1,6}/g) ?? [];
    const chunk = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        try {
          controller.enqueue(chunk({ choices: [{ index: 0, delta: { role: "assistant" } }] }));
          for (const p of pieces) {
            controller.enqueue(chunk({ choices: [{ index: 0, delta: { content: p } }] }));
          }
          controller.enqueue(
            chunk({
              choices: [{ index: 0, delta: {}, finish_reason: reply.finishReason ?? "stop" }],
            }),
          );
          const promptN = reply.promptN ?? 100;
          controller.enqueue(chunk({
            choices: [],
            usage: { prompt_tokens: promptN, completion_tokens: pieces.length },
            timings: {
              prompt_n: promptN - (reply.cacheN ?? 0),
              cache_n: reply.cacheN ?? 0,
              prompt_ms: 1,
              predicted_n: pieces.length,
              predicted_ms: 1,
            },
          }));
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        } finally {
          release();
        }
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return requests;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () => server.shutdown(),
  };
}

/** A config folder whose models.yaml holds one `openai` model `scripted` at `baseUrl`. */
export async function scriptedConfigDir(baseUrl: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-eval-config-" });
  const root = new URL("../../configs/", import.meta.url);
  await Deno.copyFile(new URL("experiment.yaml", root), `${dir}/experiment.yaml`);
  await Deno.copyFile(new URL("scenarios.yaml", root), `${dir}/scenarios.yaml`);
  await Deno.copyFile(new URL("tasks.yaml", root), `${dir}/tasks.yaml`);
  const models = await Deno.readTextFile(new URL("models.yaml", root));
  await Deno.writeTextFile(
    `${dir}/models.yaml`,
    models.replace(
      /^models:\n/m,
      `models:\n  scripted:\n    backend: openai\n    name: Scripted fake server (tests)\n` +
        `    model_id: scripted\n    format: GGUF\n    quantization: Q4_K_M\n    base_url: ${baseUrl}\n`,
    ),
  );
  return dir;
}
