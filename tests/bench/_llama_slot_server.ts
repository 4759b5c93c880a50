/**
 * A small OpenAI-compatible server with N parallel slots on a real engine (node-llama-cpp, one
 * context with N sequences), for the eval concurrency bench. Like llama-server with --parallel N
 * and prompt caching: each slot keeps its KV cache between requests, so a prompt that starts like
 * the slot's previous one only evaluates the part after the common prefix. It reports
 * llama-server-style `timings` with `cache_n` = the prompt tokens kept from the slot's previous
 * prompt (the common token prefix) and `prompt_ms` = request → first token.
 */
import { LlamaChatSession, type LlamaContextSequence } from "node-llama-cpp";
import { sharedLlama } from "../../lib/backends/mod.ts";

/** A running slot server. */
export interface SlotServer {
  baseUrl: string;
  close(): Promise<void>;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Start the server on 127.0.0.1 (port 0) with `slots` sequences of `contextSize` tokens. */
export async function startSlotServer(
  modelPath: string,
  options: { slots: number; contextSize: number; threads: number },
): Promise<SlotServer> {
  const llama = await sharedLlama("off");
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    contextSize: options.contextSize * options.slots,
    sequences: options.slots,
    threads: options.threads,
    flashAttention: false,
  });
  const free: LlamaContextSequence[] = Array.from(
    { length: options.slots },
    () => context.getSequence(),
  );
  const waiting: ((s: LlamaContextSequence) => void)[] = [];
  const acquire = () =>
    free.length > 0
      ? Promise.resolve(free.pop()!)
      : new Promise<LlamaContextSequence>((r) => waiting.push(r));
  const release = (s: LlamaContextSequence) => {
    const next = waiting.shift();
    if (next) next(s);
    else free.push(s);
  };
  const encoder = new TextEncoder();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname !== "/v1/chat/completions") {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json() as {
      messages: { role: string; content: string }[];
      max_tokens: number;
      seed?: number;
    };
    const sequence = await acquire();
    const started = performance.now();
    const before = [...sequence.contextTokens];
    const system = body.messages.filter((m) => m.role === "system").map((m) => m.content).join(
      "\n",
    );
    const user = body.messages.at(-1)!.content;
    const session = new LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: system || undefined,
      autoDisposeSequence: false,
    });
    let promptN = 0;
    let cacheN = 0;
    let firstAt = 0;
    let outputN = 0;
    const chunks: string[] = [];
    try {
      await session.prompt(user, {
        maxTokens: body.max_tokens,
        temperature: 0,
        seed: body.seed,
        onToken(tokens) {
          if (outputN === 0) {
            promptN = sequence.nextTokenIndex;
            cacheN = commonPrefix(before, sequence.contextTokens.slice(0, promptN));
            firstAt = performance.now();
          }
          outputN += tokens.length;
        },
        onTextChunk(text) {
          chunks.push(text);
        },
      });
    } finally {
      session.dispose({ disposeSequence: false });
      release(sequence);
    }
    const end = performance.now();
    const frames = [
      { choices: [{ index: 0, delta: { role: "assistant" } }] },
      ...chunks.filter((c) => c).map((c) => ({ choices: [{ index: 0, delta: { content: c } }] })),
      { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      {
        choices: [],
        usage: { prompt_tokens: promptN, completion_tokens: outputN },
        timings: {
          prompt_n: promptN - cacheN,
          cache_n: cacheN,
          prompt_ms: (firstAt || end) - started,
          predicted_n: outputN,
          predicted_ms: end - (firstAt || end),
        },
      },
    ];
    const text = frames.map((f) => `data: ${JSON.stringify(f)}\n\n`).join("") + "data: [DONE]\n\n";
    return new Response(encoder.encode(text), { headers: { "content-type": "text/event-stream" } });
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    async close() {
      await server.shutdown();
      await context.dispose();
      await model.dispose();
    },
  };
}
