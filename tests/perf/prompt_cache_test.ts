/**
 * Perf against servers measures prefill, not the server's prompt cache; server facts are read and
 * checked before measuring; prompts that cannot fit are refused before the run; a scenario that
 * fails the same way every time does not stop the next one; a memory pattern names one server.
 * The server here is SCRIPTED (tests/perf/_caching_server.ts: exact, known cache behaviour); the
 * real third-party server (llama-cpp-python) is exercised in real_server_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { executePerf, type PerfEvent, preparePerf } from "../../lib/perf/mod.ts";
import { chooseMemoryTarget, MemoryTargetError } from "../../lib/perf/mod.ts";
import { createOpenAiBackend } from "../../lib/backends/mod.ts";
import type { PerfRecord } from "../../lib/results/mod.ts";
import { ROOT } from "../helpers/mod.ts";
import { type CachingServerOptions, startCachingServer } from "./_caching_server.ts";

const noEnvironment = () => Promise.resolve({ git: { commit: null }, note: "not captured" });

async function configDir(
  baseUrl: string,
  model: { quantization?: string; format?: string; memory?: string } = {},
  scenarios?: string,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "perf-cache-cfg-" });
  await Deno.copyFile(join(ROOT, "configs", "experiment.yaml"), join(dir, "experiment.yaml"));
  await Deno.writeTextFile(
    join(dir, "scenarios.yaml"),
    scenarios ?? await Deno.readTextFile(join(ROOT, "configs", "scenarios.yaml")) + `
  interactive_warm:
    description: The interactive prompt again, prefix reuse allowed (a chat's later turns)
    system_prompt_file: data/prompts/banking_assistant_system.txt
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 16
    cache: warm
`,
  );
  await Deno.writeTextFile(
    join(dir, "models.yaml"),
    `models:
  scripted:
    backend: openai
    name: scripted llama-server
    model_id: scripted
    format: ${model.format ?? "GGUF"}
    quantization: ${model.quantization ?? "F32"}
    base_url: ${baseUrl}
${model.memory ?? ""}`,
  );
  return dir;
}

async function run(
  server: CachingServerOptions,
  scenarios: string,
  opts: { runs?: number; warmup?: number; model?: Parameters<typeof configDir>[1]; yaml?: string } =
    {},
) {
  const s = startCachingServer(server);
  const events: PerfEvent[] = [];
  try {
    const prepared = await preparePerf({
      models: "scripted",
      scenarios,
      overrides: { runs: opts.runs ?? 20, warmup: opts.warmup ?? 1 },
      configDir: await configDir(s.baseUrl, opts.model, opts.yaml),
      resultsDir: await Deno.makeTempDir({ prefix: "perf-cache-res-" }),
    });
    const result = await executePerf(prepared, {
      onEvent: (e) => events.push(e),
      captureEnvironment: noEnvironment,
    });
    const records = events.filter((e) => e.type === "request_done").map((e) =>
      (e as { record: PerfRecord }).record
    );
    return { result, events, records, requests: s.requests, prepared };
  } finally {
    await s.stop();
  }
}

Deno.test("20 cold repetitions reuse no cached prefix (cache_prompt: false, a request id per prompt); a warm scenario does and is labelled", async () => {
  const { result, records, requests } = await run({}, "interactive_assistant,interactive_warm");
  assert.equal(result.complete, true);
  const cold = records.filter((r) => r.scenario === "interactive_assistant");
  const warm = records.filter((r) => r.scenario === "interactive_warm");
  assert.equal(cold.length, 21);
  assert.equal(warm.length, 21);
  for (const r of cold) {
    assert.equal(r.cache_mode, "cold");
    assert.match(r.request_id!, /^\d{8}$/);
    assert.equal(r.cached_prompt_tokens, 0, "nothing came from the cache");
    assert.equal(r.prompt_cache_hit, false);
    assert.equal(r.prompt_tokens_processed, r.prompt_tokens, "the whole prompt was evaluated");
    assert.equal(r.prefill_token_source, "processed");
  }
  assert.equal(new Set(cold.map((r) => r.request_id)).size, 21, "one id per request");
  // The id opens the system prompt, and the server was told not to reuse its cache.
  const coldBodies = requests.filter((b) =>
    (b.messages as { content: string }[])[0].content.match(/^\d{8}\n/)
  );
  assert.equal(coldBodies.length, 21);
  assert.ok(coldBodies.every((b) => b.cache_prompt === false));
  for (const [i, r] of warm.entries()) {
    assert.equal(r.cache_mode, "warm");
    assert.equal(r.request_id, null);
    assert.equal(r.prompt_cache_hit, i > 0, `warm request ${i}: the whole prompt from cache`);
  }
  const summary = result.summaries.find((s) => s.scenario === "interactive_warm")!;
  assert.deepEqual(
    { mode: summary.prompt_cache.mode, hits: summary.prompt_cache.hits },
    { mode: "warm", hits: 20 },
  );
  const coldSummary = result.summaries.find((s) => s.scenario === "interactive_assistant")!;
  assert.deepEqual(coldSummary.prompt_cache, {
    mode: "cold",
    reported: 20,
    hits: 0,
    median_cached_tokens: 0,
  });
  // Server facts are in the manifest beside the config.
  const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
  const facts = manifest.runs[0].plan.model_facts.scripted;
  assert.equal(facts.server.kind, "llama-server");
  assert.equal(facts.server.build, "b0-scripted");
  assert.equal(facts.server.contextSize, 4096);
  assert.equal(facts.server.slots, 1);
  assert.equal(facts.quantization, "F32");
});

Deno.test("against a server that cannot be told (no cache_prompt), the request id alone keeps every prompt cold", async () => {
  const { records } = await run(
    { honourCachePrompt: false },
    "interactive_assistant,interactive_warm",
    {
      runs: 20,
    },
  );
  const cold = records.filter((r) => r.scenario === "interactive_assistant");
  // Only the chat template's first word ("<|system|>") is shared: never a hit.
  assert.ok(
    cold.every((r) => r.cached_prompt_tokens! <= 1),
    JSON.stringify(cold.map((r) => r.cached_prompt_tokens)),
  );
  assert.ok(cold.every((r) => r.prompt_cache_hit === false));
  // Without the id (the warm scenario) the same server serves the prompt from its cache.
  const warm = records.filter((r) => r.scenario === "interactive_warm" && r.repetition > 0);
  assert.ok(warm.every((r) => r.prompt_cache_hit === true));
});

Deno.test("a model whose configured quantization or format contradicts the server is refused, naming both", async () => {
  for (
    const [model, expect] of [
      [
        { quantization: "Q4_K_M" },
        /configured with quantization Q4_K_M, but the llama-server server serves F32/,
      ],
      [
        { format: "MLX", quantization: "4bit" },
        /configured as MLX, but the llama-server server serves GGUF/,
      ],
    ] as const
  ) {
    const { result, events, requests } = await run({}, "interactive_assistant", { runs: 2, model });
    assert.equal(result.complete, false);
    const failed = events.find((e) => e.type === "model_failed") as { error: Error } | undefined;
    assert.ok(failed, "refused");
    assert.match(failed.error.message, expect);
    assert.equal(requests.length, 0, "no request was sent");
  }
});

Deno.test("a prompt longer than the server's context is refused before the run, and the next scenario runs", async () => {
  const { result, events, records, requests } = await run(
    { contextSize: 400 },
    "summarization,interactive_assistant",
    { runs: 2, warmup: 0 },
  );
  const refused = events.find((e) => e.type === "unit_refused") as
    | { unit: { scenario: string }; reason: string }
    | undefined;
  assert.equal(refused?.unit.scenario, "summarization");
  assert.match(
    refused!.reason,
    /prompt of \d+ tokens \(server count\) plus max_tokens 256 does not fit the 400-token context/,
  );
  assert.equal(records.filter((r) => r.scenario === "summarization").length, 0);
  assert.equal(records.filter((r) => r.scenario === "interactive_assistant").length, 2);
  assert.ok(
    requests.every((b) => (b.max_tokens as number) === 128),
    "no summarization request sent",
  );
  assert.equal(result.complete, false);
  assert.match(result.failures[0].message, /summarization: prompt of/);
});

Deno.test("a scenario the server refuses every time is recorded and stopped, and the next scenario still runs", async () => {
  const yaml = `scenarios:
  too_long_answer:
    description: asks for more tokens than the server allows
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 500
  short:
    description: a short answer
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 8
`;
  const { result, events, records } = await run({ maxTokensLimit: 100 }, "too_long_answer,short", {
    runs: 5,
    warmup: 0,
    yaml,
  });
  const aborted = events.find((e) => e.type === "unit_aborted") as { reason: string } | undefined;
  assert.match(aborted!.reason, /3 consecutive requests refused by the server .*next one runs/);
  assert.equal(records.filter((r) => r.scenario === "too_long_answer").length, 3);
  assert.ok(
    records.filter((r) => r.scenario === "too_long_answer").every((r) => /HTTP 400/.test(r.error!)),
  );
  assert.equal(records.filter((r) => r.scenario === "short" && r.error === null).length, 5);
  assert.equal(result.complete, false);
});

/** Start `count` unrelated process trees whose command line holds `marker`. */
function spawnTrees(marker: string, count: number): Deno.ChildProcess[] {
  return Array.from(
    { length: count },
    () =>
      new Deno.Command("sh", {
        args: ["-c", `sleep 60; : ${marker}`],
        stdout: "null",
        stderr: "null",
      })
        .spawn(),
  );
}

Deno.test("a memory pattern matching two unrelated process trees is refused with their pids; one tree is measured by its root", async () => {
  const marker = `edgebench_twin_${Deno.pid}`;
  const twins = spawnTrees(marker, 2);
  try {
    await new Promise((r) => setTimeout(r, 200));
    const backend = createOpenAiBackend("http://127.0.0.1:9/v1", {
      modelId: "x",
      serving: { namePattern: new RegExp(marker) },
    });
    await assert.rejects(
      chooseMemoryTarget("twins", backend),
      (e: unknown) =>
        e instanceof MemoryTargetError &&
        e.message.includes("matches 2 unrelated process trees") &&
        twins.every((c) => e.message.includes(`pid ${c.pid}`)) &&
        e.message.includes("--server-pid"),
    );
    twins[1].kill("SIGKILL");
    await twins[1].status;
    const one = await chooseMemoryTarget("twins", backend);
    assert.deepEqual(one.target?.pids, [twins[0].pid]);
    assert.equal(one.from, "process_pattern");
    // --server-pid wins over the pattern; a dead configured pid says why memory is missing.
    const pinned = await chooseMemoryTarget("twins", backend, { serverPid: twins[0].pid });
    assert.deepEqual(pinned.target?.pids, [twins[0].pid]);
    const gone = createOpenAiBackend("http://127.0.0.1:9/v1", {
      modelId: "x",
      serving: { pids: [twins[1].pid] },
    });
    const none = await chooseMemoryTarget("restarted", gone);
    assert.equal(none.target, null);
    assert.match(
      none.note!,
      new RegExp(`pid\\(s\\) ${twins[1].pid} are not running .*--server-pid`),
    );
  } finally {
    for (const c of twins) {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
      await c.status;
    }
  }
});

Deno.test("an openai model without memory: is measured without memory, each record saying why (no crash)", async () => {
  const { result, records } = await run({}, "interactive_assistant", { runs: 2, warmup: 0 });
  assert.equal(result.complete, true);
  for (const r of records) {
    assert.equal(r.peak_rss_bytes, null);
    assert.match(r.memory_note!, /no memory target/);
  }
});
