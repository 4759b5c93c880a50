/**
 * The HTTP client path against SCRIPTED FAKE servers on 127.0.0.1 (Deno.serve, and the paced
 * server of tests/helpers/paced_server.ts in its own process): they send known chunks at known
 * delays, so timing rules (TTFT to the first non-empty content, E2E to the last content chunk,
 * usage frames excluded), response limits and error paths can be checked exactly.
 */
import assert from "node:assert/strict";
import process from "node:process";
import {
  BackendError,
  createLmStudioBackend,
  createOpenAiBackend,
  DEFAULT_RESPONSE_LIMITS,
  ModelMismatchError,
} from "../../lib/backends/mod.ts";
import { plainContent } from "../../lib/backends/_sse.ts";
import { startPacedServer } from "../helpers/paced_server.ts";

type Step = { wait: number; text: string };

function sseServer(steps: Step[] | ((req: Request) => Response | Promise<Response>)) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (typeof steps === "function") return await steps(req);
    await req.body?.cancel();
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        for (const s of steps) {
          if (s.wait) await new Promise((r) => setTimeout(r, s.wait));
          c.enqueue(enc.encode(s.text));
        }
        c.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usage = (p: number, c: number) =>
  `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: p, completion_tokens: c } })}\n\n`;
const request = {
  messages: [{ role: "user" as const, content: "hi" }],
  maxTokens: 16,
  temperature: 0,
  seed: 42,
};

Deno.test("chat() stamps TTFT at the first non-empty content and E2E at the last content chunk", async () => {
  const srv = sseServer([
    { wait: 0, text: chunk({ role: "assistant", content: "" }) },
    { wait: 150, text: chunk({ content: "Hello" }) },
    { wait: 50, text: chunk({ content: " there" }) },
    { wait: 50, text: chunk({ content: "!" }, "stop") },
    { wait: 100, text: usage(7, 3) },
    { wait: 0, text: "data: [DONE]\n\n" },
  ]);
  try {
    const b = createOpenAiBackend(`${srv.url}/v1`, { modelId: "m" });
    const r = await b.chat(request);
    const ttft = r.timing.firstContentAt! - r.timing.sentAt;
    const e2e = r.timing.lastContentAt! - r.timing.sentAt;
    assert.equal(r.text, "Hello there!");
    assert.ok(ttft >= 148 && ttft < 190, `TTFT ${ttft}`);
    assert.ok(e2e >= 248 && e2e < 300, `E2E excludes the usage frame sent 100 ms later: ${e2e}`);
    assert.ok(
      r.timing.endAt - r.timing.sentAt >= 345,
      "the stream end comes after the usage frame",
    );
    assert.equal(r.promptTokens, 7);
    assert.equal(r.outputTokens, 3);
    assert.equal(r.tokenCountSource, "server");
    assert.equal(r.finishReason, "stop");
  } finally {
    await srv.close();
  }
});

Deno.test("chat() parses events split across network reads and stamps them on completion", async () => {
  const first = chunk({ content: "A" });
  const srv = sseServer([
    { wait: 0, text: first.slice(0, 20) },
    { wait: 120, text: first.slice(20) + chunk({ content: "B" }, "length") },
    { wait: 0, text: "data: [DONE]\n\n" },
  ]);
  try {
    const r = await createOpenAiBackend(`${srv.url}/v1`, { modelId: "m" }).chat(request);
    assert.equal(r.text, "AB");
    assert.ok(
      r.timing.firstContentAt! - r.timing.sentAt >= 118,
      "first content is usable only once complete",
    );
    assert.equal(r.outputTokens, null, "no usage: no count, never a chunk count");
    assert.equal(r.tokenCountSource, null);
    assert.equal(r.finishReason, "length");
  } finally {
    await srv.close();
  }
});

Deno.test("chat() counts reasoning as first content and uses the tokenizer when usage is missing", async () => {
  const srv = sseServer([
    { wait: 60, text: chunk({ reasoning_content: "think" }) },
    { wait: 60, text: chunk({ content: "answer" }, "stop") + "data: [DONE]\n\n" },
  ]);
  try {
    const b = createOpenAiBackend(`${srv.url}/v1`, {
      modelId: "m",
      tokenCounter: { count: (t) => Promise.resolve(t.length) },
    });
    const r = await b.chat(request);
    const ttft = r.timing.firstContentAt! - r.timing.sentAt;
    assert.ok(ttft >= 58 && ttft < 110, `TTFT at the reasoning chunk: ${ttft}`);
    assert.equal(r.reasoning, "think");
    assert.equal(r.outputTokens, "thinkanswer".length);
    assert.equal(r.tokenCountSource, "tokenizer");
  } finally {
    await srv.close();
  }
});

Deno.test("chat() reports a stream cut short, an HTTP error, an error event and a dead port as BackendError", async () => {
  const cut = sseServer([{ wait: 0, text: chunk({ content: "par" }) }]);
  const http = sseServer(() => new Response("model crashed", { status: 500 }));
  const event = sseServer([{
    wait: 0,
    text: `data: ${JSON.stringify({ error: { message: "context overflow" } })}\n\n`,
  }]);
  try {
    await assert.rejects(
      createOpenAiBackend(`${cut.url}/v1`, { modelId: "m" }).chat(request),
      (e: unknown) => e instanceof BackendError && /ended before \[DONE\]/.test(e.message),
    );
    await assert.rejects(
      createOpenAiBackend(`${http.url}/v1`, { modelId: "m" }).chat(request),
      (e: unknown) =>
        e instanceof BackendError && e.status === 500 && /HTTP 500: model crashed/.test(e.message),
    );
    await assert.rejects(
      createOpenAiBackend(`${event.url}/v1`, { modelId: "m" }).chat(request),
      (e: unknown) => e instanceof BackendError && /context overflow/.test(e.message),
    );
  } finally {
    await Promise.all([cut.close(), http.close(), event.close()]);
  }
  const dead = sseServer([]);
  await dead.close();
  await assert.rejects(
    createOpenAiBackend(`${dead.url}/v1`, { modelId: "m" }).chat(request),
    (e: unknown) => e instanceof BackendError && /Cannot reach/.test(e.message),
  );
});

Deno.test("chat() sends stream_options.include_usage, the seed and a JSON schema constraint", async () => {
  let seen: Record<string, unknown> = {};
  const srv = sseServer(async (req) => {
    seen = await req.json();
    return new Response(chunk({ content: "{}" }, "stop") + "data: [DONE]\n\n", {
      headers: { "content-type": "text/event-stream" },
    });
  });
  try {
    await createOpenAiBackend(`${srv.url}/v1`, { modelId: "m" }).chat({
      ...request,
      jsonSchema: { type: "object" },
    });
    assert.deepEqual(seen.stream_options, { include_usage: true });
    assert.equal(seen.stream, true);
    assert.equal(seen.seed, 42);
    assert.equal(seen.temperature, 0);
    assert.deepEqual(
      (seen.response_format as { json_schema: { schema: unknown } }).json_schema.schema,
      { type: "object" },
    );
  } finally {
    await srv.close();
  }
});

function lmStudioRest(v0: unknown, onLoad?: (body: unknown) => Response) {
  return sseServer(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/v0/models") return Response.json(v0);
    if (path === "/api/v1/models") return new Response("not found", { status: 404 });
    if (path === "/api/v1/models/load" && onLoad) return onLoad(await req.json());
    return new Response("not found", { status: 404 });
  });
}

Deno.test("ensureModel() refuses a loaded model whose format differs, naming both", async () => {
  const srv = lmStudioRest({
    data: [{
      id: "google/gemma-3n-e4b",
      compatibility_type: "mlx",
      quantization: "4bit",
      state: "loaded",
      max_context_length: 32768,
    }],
  });
  try {
    const b = createLmStudioBackend(srv.url, {
      modelId: "google/gemma-3n-e4b",
      format: "GGUF",
      quantization: "Q4_K_M",
    });
    await assert.rejects(b.ensureModel(), (e: unknown) =>
      e instanceof ModelMismatchError &&
      e.message.includes("is MLX 4bit but the config expects GGUF Q4_K_M"));
    const ok = createLmStudioBackend(srv.url, {
      modelId: "google/gemma-3n-e4b",
      format: "MLX",
      quantization: "4bit",
    });
    assert.equal((await ok.ensureModel()).format, "MLX");
  } finally {
    await srv.close();
  }
});

Deno.test("ensureModel() refuses a model that is not loaded and one LM Studio does not know", async () => {
  const srv = lmStudioRest({
    data: [{ id: "a/b", compatibility_type: "gguf", quantization: "Q8_0", state: "not-loaded" }],
  });
  try {
    await assert.rejects(
      createLmStudioBackend(srv.url, { modelId: "a/b", format: "GGUF", quantization: "Q8_0" })
        .ensureModel(),
      (e: unknown) =>
        e instanceof ModelMismatchError && /is not loaded in LM Studio/.test(e.message),
    );
    await assert.rejects(
      createLmStudioBackend(srv.url, { modelId: "x/y", format: "GGUF", quantization: "Q8_0" })
        .ensureModel(),
      (e: unknown) => e instanceof ModelMismatchError && /not known to LM Studio/.test(e.message),
    );
  } finally {
    await srv.close();
  }
});

Deno.test("load() posts the load config to REST v1 and falls back to the lms CLI on 404", async () => {
  let posted: unknown = null;
  const rest = lmStudioRest({ data: [] }, (body) => {
    posted = body;
    return Response.json({
      type: "llm",
      instance_id: "a/b",
      load_time_seconds: 2.5,
      status: "loaded",
      load_config: { context_length: 8192 },
    });
  });
  const old = lmStudioRest({ data: [] });
  try {
    const r = await createLmStudioBackend(rest.url, {
      modelId: "a/b",
      format: "GGUF",
      quantization: "Q4_K_M",
    })
      .load({ context_length: 8192, flash_attention: true });
    assert.deepEqual(posted, {
      model: "a/b",
      context_length: 8192,
      flash_attention: true,
      echo_load_config: true,
    });
    assert.equal(r.loadTimeMs, 2500);
    assert.equal(r.via, "rest");
    assert.deepEqual(r.config, { context_length: 8192 });
    const calls: string[][] = [];
    const viaCli = await createLmStudioBackend(old.url, {
      modelId: "a/b",
      format: "GGUF",
      quantization: "Q4_K_M",
      runCommand: (cmd, args) => {
        calls.push([cmd, ...args]);
        return Promise.resolve({ code: 0, stdout: "" });
      },
    }).load({ context_length: 4096 });
    assert.equal(viaCli.via, "lms");
    assert.deepEqual(calls, [["lms", "load", "a/b", "--yes", "--context-length", "4096"]]);
  } finally {
    await Promise.all([rest.close(), old.close()]);
  }
});

Deno.test("an unreachable LM Studio gives a BackendError telling how to start it", async () => {
  const dead = sseServer([]);
  await dead.close();
  await assert.rejects(
    createLmStudioBackend(dead.url, { modelId: "a/b", format: "GGUF", quantization: "Q4_K_M" })
      .describe(),
    (e: unknown) =>
      e instanceof BackendError && /not reachable/.test(e.message) &&
      /LMSTUDIO_BASE_URL/.test(e.message),
  );
});

Deno.test("chat() keeps the first max_text_chars of an answer, counts all of it and says it was cut", async () => {
  const srv = sseServer([
    { wait: 0, text: chunk({ content: "0123456789" }) },
    { wait: 0, text: chunk({ content: "abcdefghij" }) },
    { wait: 0, text: chunk({ reasoning_content: "thinking hard" }) },
    { wait: 0, text: chunk({ content: "KLM" }, "stop") + "data: [DONE]\n\n" },
  ]);
  try {
    const pieces: string[] = [];
    const r = await createOpenAiBackend(`${srv.url}/v1`, {
      modelId: "m",
      limits: { maxTextChars: 12 },
    }).chat(request, { onContent: (t) => pieces.push(t) });
    assert.equal(r.text, "0123456789ab");
    assert.equal(r.reasoning, "thinking hard".slice(0, 12));
    assert.equal(r.outputChars, 23);
    assert.equal(r.truncated, true);
    assert.deepEqual(pieces, ["0123456789", "abcdefghij", "KLM"], "onContent sees every piece");
    assert.ok(r.timing.lastContentAt! >= r.timing.firstContentAt!);
    const whole = await createOpenAiBackend(`${srv.url}/v1`, { modelId: "m" }).chat(request);
    assert.equal(whole.text, "0123456789abcdefghijKLM");
    assert.equal(whole.truncated, false);
  } finally {
    await srv.close();
  }
});

Deno.test("a 50 MB single-event stream finishes in under a second of parse time, its text cut at max_text_chars", async () => {
  // The SCRIPTED FAKE paced server in its own process sends one content event of 50,000,000
  // characters; the client's CPU time covers receiving, scanning and parsing it.
  const server = await startPacedServer({ answerBytes: 50_000_000 });
  try {
    const backend = createOpenAiBackend(`${server.baseUrl}/v1`, {
      modelId: "test/paced",
      limits: { maxEventBytes: 64 * 1024 * 1024 },
    });
    const cpu0 = process.cpuUsage();
    const r = await backend.chat(request);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.equal(r.outputChars, 50_000_000);
    assert.equal(r.text.length, DEFAULT_RESPONSE_LIMITS.maxTextChars);
    assert.equal(r.truncated, true);
    assert.ok(r.text.startsWith("0123456789abcdef0123"));
    assert.ok(cpuMs < 1000, `client CPU ${cpuMs.toFixed(0)} ms for a 50 MB event`);
  } finally {
    await server.stop();
  }
});

Deno.test("an event over max_event_bytes fails the request at once, naming the setting", async () => {
  const server = await startPacedServer({ answerBytes: 50_000_000 });
  try {
    const backend = createOpenAiBackend(`${server.baseUrl}/v1`, { modelId: "test/paced" });
    const t0 = performance.now();
    await assert.rejects(
      backend.chat(request),
      (e: unknown) =>
        e instanceof BackendError &&
        /sent an event of more than 8388608 bytes \(response_limits\.max_event_bytes/.test(
          e.message,
        ),
    );
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    await server.stop();
  }
});

Deno.test("the request timeout covers the whole streamed answer, not just its head", async () => {
  const steps = Array.from({ length: 40 }, () => ({ wait: 50, text: chunk({ content: "x" }) }));
  const srv = sseServer(steps);
  try {
    for (const fetch of [undefined, globalThis.fetch]) {
      const t0 = performance.now();
      await assert.rejects(
        createOpenAiBackend(`${srv.url}/v1`, { modelId: "m", timeoutMs: 300, fetch }).chat(
          request,
        ),
        (e: unknown) => e instanceof BackendError && /broke off/.test(e.message),
      );
      const waited = performance.now() - t0;
      assert.ok(waited >= 290 && waited < 1500, `${fetch ? "fetch" : "raw"}: ${waited} ms`);
    }
  } finally {
    await srv.close();
  }
});

Deno.test("the loopback client and fetch give the same result for the same stream", async () => {
  const srv = sseServer([
    { wait: 0, text: chunk({ role: "assistant", content: "" }) },
    { wait: 20, text: chunk({ content: 'He said "hi"\n' }) },
    { wait: 20, text: chunk({ content: "é ✓ " }) + chunk({ content: "end" }) },
    { wait: 20, text: chunk({}, "stop") },
    {
      wait: 0,
      text: `data: ${
        JSON.stringify({
          choices: [],
          usage: {
            prompt_tokens: 9,
            completion_tokens: 4,
            prompt_tokens_details: { cached_tokens: 2 },
          },
        })
      }\r\n\r\ndata: [DONE]\r\n\r\n`,
    },
  ]);
  try {
    const viaRaw = await createOpenAiBackend(`${srv.url}/v1`, { modelId: "m" }).chat(request);
    const viaFetch = await createOpenAiBackend(`${srv.url}/v1`, { modelId: "m", fetch }).chat(
      request,
    );
    const strip = (r: typeof viaRaw) => ({ ...r, timing: null });
    assert.deepEqual(strip(viaRaw), strip(viaFetch));
    assert.equal(viaRaw.text, 'He said "hi"\né ✓ end');
    assert.equal(viaRaw.cachedPromptTokens, 2);
    assert.equal(viaRaw.processedPromptTokens, 7);
  } finally {
    await srv.close();
  }
});

Deno.test("plainContent() reads exactly what JSON.parse would, and declines every event it cannot", () => {
  const lmStudio = (delta: unknown, finish: string | null = null) =>
    JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      system_fingerprint: "m",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const llamaServer = (content: string) =>
    `{"choices":[{"finish_reason":null,"index":0,"delta":{"content":${
      JSON.stringify(content)
    }}}],"created":1,"id":"x","model":"m","object":"chat.completion.chunk"}`;
  const events = [
    lmStudio({ content: " bank" }),
    lmStudio({ role: "assistant", content: "" }),
    lmStudio({ content: "usage" }),
    lmStudio({ content: 'a "quote"' }),
    lmStudio({ content: "line\nbreak" }),
    lmStudio({ content: "é✓" }),
    lmStudio({ content: "x" }, "stop"),
    lmStudio({ reasoning_content: "hmm", content: "" }),
    lmStudio({ content: "a", reasoning_content: "b" }),
    lmStudio({ tool_calls: [{ function: { arguments: '"content":"x"' } }] }),
    llamaServer(" token"),
    llamaServer("}"),
    `{"choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":{"prompt_tokens":3}}`,
    `{"choices":[{"message":{"content":"x"},"finish_reason":null}]}`,
    `{"choices":[{"delta":{"x":{"content":"y"}},"finish_reason":null}]}`,
    `{ "choices": [{ "delta": { "content": "spaced" }, "finish_reason": null }] }`,
    `{"error":{"message":"boom"},"choices":[{"delta":{"content":"x"},"finish_reason":null}]}`,
  ];
  let fast = 0;
  for (const data of events) {
    const got = plainContent(data);
    if (got === null) continue;
    fast++;
    const parsed = JSON.parse(data);
    const keys = Object.keys(parsed.choices[0].delta).filter((k) => k !== "role");
    assert.deepEqual(keys, ["content"], data);
    assert.equal(got, parsed.choices[0].delta.content, data);
    assert.equal(parsed.choices[0].finish_reason, null, data);
    assert.equal(parsed.usage ?? parsed.timings ?? parsed.error, undefined, data);
  }
  assert.equal(fast, 5, "plain events take the fast path: ' bank', '', 'é✓', ' token', '}'");
});
