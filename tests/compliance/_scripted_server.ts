/**
 * A SCRIPTED FAKE of an OpenAI-compatible server, for tests only: it runs no model. Each chat
 * request is matched to a compliance probe by its user message and answered from a table: the
 * probe's crafted failing reply (`fail`), its crafted passing reply (`pass`, the default), an
 * HTTP 500 (`error`), or an HTTP 500 the first time the probe is asked and its passing reply
 * after that (`error_once`: a transient failure, as after a server restart). Replies stream as SSE chunks, then a usage chunk, then `data: [DONE]`. The
 * usage reports the example's output token count when it has one (the fake ignores max_tokens,
 * like a server that does not enforce it), else the number of words.
 */
import type { ResolvedProbe } from "../../lib/compliance/mod.ts";

/** How the fake answers one probe. */
export type Script = "fail" | "pass" | "error" | "error_once";

/** A running scripted server. */
export interface ScriptedServer {
  /** Base URL including `/v1`. */
  baseUrl: string;
  /** Probe ids in the order they were asked. */
  asked: string[];
  close(): Promise<void>;
}

/** Options for {@linkcode startScriptedServer}. */
export interface ScriptedServerOptions {
  /** Delay before each reply, in ms. @default 0 */
  delayMs?: number;
  /** Model id listed by /v1/models. @default "test/scripted" */
  modelId?: string;
}

function sse(data: unknown): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** Start the fake on 127.0.0.1, port 0. */
export function startScriptedServer(
  probes: readonly ResolvedProbe[],
  table: Readonly<Record<string, Script>>,
  options: ScriptedServerOptions = {},
): ScriptedServer {
  const byUser = new Map(probes.map((p) => [p.user, p]));
  const asked: string[] = [];
  const modelId = options.modelId ?? "test/scripted";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/v1/models") {
      return Response.json({ object: "list", data: [{ id: modelId, object: "model" }] });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json() as { messages: { role: string; content: string }[] };
    const user = body.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
    const probe = byUser.get(user);
    if (!probe) return new Response("scripted server: unknown prompt", { status: 400 });
    const before = asked.filter((id) => id === probe.id).length;
    asked.push(probe.id);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const script = table[probe.id] ?? "pass";
    if (script === "error" || (script === "error_once" && before === 0)) {
      return new Response("scripted failure", { status: 500 });
    }
    const example = probe.examples[script === "error_once" ? "pass" : script];
    const words = example.text.split(/\s+/).filter(Boolean).length;
    const third = Math.ceil(example.text.length / 3);
    const pieces = [0, 1, 2].map((i) => example.text.slice(i * third, (i + 1) * third)).filter(
      Boolean,
    );
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: "scripted",
      object: "chat.completion.chunk",
      model: modelId,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const frames = [
      sse(chunk({ role: "assistant", content: "" })),
      ...pieces.map((p) => sse(chunk({ content: p }))),
      sse(chunk({}, example.finishReason ?? "stop")),
      sse({
        id: "scripted",
        object: "chat.completion.chunk",
        model: modelId,
        choices: [],
        usage: {
          prompt_tokens: user.length,
          completion_tokens: example.outputTokens ?? words,
          total_tokens: user.length + (example.outputTokens ?? words),
        },
      }),
      sse("[DONE]"),
    ];
    return new Response(frames.join(""), { headers: { "content-type": "text/event-stream" } });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    asked,
    close: () => server.shutdown(),
  };
}

/** A models.yaml with one `openai` model on the scripted server. */
export function scriptedModelsYaml(baseUrl: string): string {
  return `models:
  scripted:
    backend: openai
    name: Scripted fake server (fails known probes)
    model_id: test/scripted
    format: GGUF
    quantization: Q4_K_M
    licence: apache-2.0
    base_url: ${baseUrl}
`;
}
