/**
 * Perf against a REAL third-party OpenAI-compatible server: llama-cpp-python's
 * `llama_cpp.server` (from PyPI, installed by `deno task setup --server`) serving the real
 * SmolLM2-135M-Instruct on 127.0.0.1, started and stopped here. It differs from llama-server and
 * LM Studio in ways the backend must handle (and these tests pin down): no usage chunk in the
 * stream even with `stream_options.include_usage` (counts come from the GGUF tokenizer), no
 * `timings` and no cached-token counts, a role-only first chunk, no /props or /health, and an
 * empty HTTP 200 stream when the prompt does not fit its context. It reuses the longest cached
 * prefix of the previous prompt and says so only in its log ("N prefix-match hit").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../../lib/results/mod.ts";
import { PerfRecordSchema } from "../../lib/results/mod.ts";
import { realModelPath, ROOT, runCli, startLlamaCppServer } from "../helpers/mod.ts";

const SMOLLM2 = await realModelPath("smollm2_135m_instruct");

async function config(baseUrl: string, scenarios?: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "real-server-cfg-" });
  await Deno.copyFile(join(ROOT, "configs", "experiment.yaml"), join(dir, "experiment.yaml"));
  await Deno.writeTextFile(
    join(dir, "scenarios.yaml"),
    scenarios ?? await Deno.readTextFile(join(ROOT, "configs", "scenarios.yaml")),
  );
  await Deno.writeTextFile(
    join(dir, "models.yaml"),
    `models:
  smollm2_server:
    backend: openai
    name: SmolLM2-135M-Instruct on llama-cpp-python
    model_id: smollm2
    format: GGUF
    quantization: Q4_1
    base_url: ${baseUrl}/v1
    tokenizer_file: ${SMOLLM2}
    memory:
      process_pattern: "llama_cpp\\\\.server .*--port ${new URL(baseUrl).port}"
`,
  );
  return dir;
}

async function records(dir: string) {
  const out = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.startsWith("perf_") && e.name.endsWith(".jsonl")) {
      out.push(...(await readJsonl(join(dir, e.name), PerfRecordSchema)).records);
    }
  }
  return out;
}

/** The prefix-match hits llama-cpp-python logged, in order ("Llama.generate: N prefix-match hit"). */
function prefixHits(log: string): number[] {
  return [...log.matchAll(/Llama\.generate: (\d+) prefix-match hit/g)].map((m) => Number(m[1]));
}

Deno.test({
  name:
    "the three scenarios run against llama-cpp-python's server: complete records, tokenizer counts, JSON validity, its memory",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startLlamaCppServer(SMOLLM2, { threads: 1 });
    try {
      const results = await Deno.makeTempDir({ prefix: "real-server-res-" });
      const out = await runCli("lib/cli/perf.ts", [
        "--config-dir",
        await config(server.baseUrl),
        "--models",
        "smollm2_server",
        "--runs",
        "2",
        "--warmup",
        "1",
        "--results-dir",
        results,
      ]);
      assert.equal(out.code, 0, out.stdout + out.stderr);
      assert.match(out.stdout, /\[Check\] smollm2_server: smollm2 GGUF Q4_1 is ready/);
      assert.match(
        out.stdout,
        new RegExp(`\\[Memory\\] smollm2_server: process tree of pid ${server.pid}`),
      );
      assert.match(
        out.stdout,
        /Prompt cache: {3}cold \(a unique request id opens each prompt\): the server does not report cached tokens/,
      );
      const rs = await records(results);
      assert.equal(rs.length, 9);
      for (const r of rs) {
        assert.equal(r.error, null, r.error ?? "");
        assert.equal(r.token_count_source, "tokenizer", "the server sends no usage in the stream");
        assert.ok(r.output_tokens! > 0 && r.prompt_tokens! > 20, JSON.stringify(r));
        assert.equal(r.server_timings, null, "llama-cpp-python reports no timings");
        assert.equal(r.cached_prompt_tokens, null);
        assert.ok(r.peak_rss_bytes! > 50 * 2 ** 20, "the server's own process is sampled");
        assert.ok(["stop", "length"].includes(r.finish_reason!), r.finish_reason!);
      }
      const json = rs.filter((r) => r.scenario === "json_extraction" && !r.warmup);
      assert.ok(json.every((r) => typeof r.output_valid === "boolean"));
      assert.match(out.stdout, /Valid JSON: {5}\d+\.\d% \[95% CI/);
      // Every measured prompt was evaluated, not served from the server's cache: llama-cpp-python
      // logs the prefix it reused; the request id leaves only the chat template's opening
      // ("<|im_start|>system\n", 3 tokens) in common, plus the leading digits the 8-digit id shares
      // by chance with the previous one's (a token per digit: one in 10, two in 100; a CI run saw
      // 3, 3, 3, 3, 4, 3, 5, 3). The ids always differ, so a match never passes 3 + 8 tokens.
      const hits = prefixHits(server.log());
      assert.ok(hits.length > 0, "the server logs its prefix matches");
      assert.ok(hits.every((n) => n <= 11), `prefix-match hits: ${hits.join(", ")}`);
      assert.ok(hits.filter((n) => n > 4).length <= 2, `prefix-match hits: ${hits.join(", ")}`);
      // The manifest keeps what the server said about itself.
      const manifest = [...Deno.readDirSync(results)].find((e) =>
        e.name.startsWith("experiment_config_")
      )!;
      const run = JSON.parse(await Deno.readTextFile(join(results, manifest.name))).runs[0];
      assert.equal(run.plan.model_facts.smollm2_server.server.kind, "llama-cpp-python");
      assert.deepEqual(run.plan.model_facts.smollm2_server.server.models, ["smollm2"]);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "20 cold repetitions against llama-cpp-python reuse no prefix; the warm-cache scenario reuses it and is labelled",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startLlamaCppServer(SMOLLM2, { threads: 1 });
    try {
      const scenarios = `scenarios:
  interactive_cold:
    description: the interactive prompt, cold cache (default)
    system_prompt_file: data/prompts/banking_assistant_system.txt
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 4
  interactive_warm:
    description: the same prompt, prefix reuse allowed
    system_prompt_file: data/prompts/banking_assistant_system.txt
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 4
    cache: warm
`;
      const results = await Deno.makeTempDir({ prefix: "real-server-cache-" });
      const cfg = await config(server.baseUrl, scenarios);
      const cold = await runCli("lib/cli/perf.ts", [
        "--config-dir",
        cfg,
        "--models",
        "smollm2_server",
        "--scenarios",
        "interactive_cold",
        "--runs",
        "20",
        "--warmup",
        "1",
        "--results-dir",
        results,
      ]);
      assert.equal(cold.code, 0, cold.stdout + cold.stderr);
      const coldHits = prefixHits(server.log());
      const warm = await runCli("lib/cli/perf.ts", [
        "--config-dir",
        cfg,
        "--models",
        "smollm2_server",
        "--scenarios",
        "interactive_warm",
        "--runs",
        "20",
        "--warmup",
        "1",
        "--results-dir",
        results,
      ]);
      assert.equal(warm.code, 0, warm.stdout + warm.stderr);
      const warmHits = prefixHits(server.log()).slice(coldHits.length);
      const rs = await records(results);
      const prompt = rs.find((r) => r.scenario === "interactive_warm")!.prompt_tokens!;
      // Cold: the chat template's 3 opening tokens, plus the leading digits the request's 8-digit
      // id shares by chance with the previous one's (SmolLM2 has a token per digit: one digit in
      // 10, two in 100). The ids always differ, so the match never passes them (3 + 8 tokens).
      assert.ok(coldHits.length >= 19 && coldHits.every((n) => n <= 11), `cold: ${coldHits}`);
      assert.ok(coldHits.filter((n) => n > 4).length <= 2, `cold: ${coldHits}`);
      // Warm: from the second request on, all but the last prompt token come from the cache.
      assert.ok(warmHits.length >= 20, `warm: ${warmHits}`);
      assert.ok(warmHits.slice(1).every((n) => n >= prompt - 8), `warm: ${warmHits} of ${prompt}`);
      assert.match(
        warm.stdout,
        /Prompt cache: {3}warm \(prefix reuse allowed, labelled warm-cache\)/,
      );
      const ids = rs.filter((r) => r.scenario === "interactive_cold").map((r) => r.request_id);
      assert.equal(new Set(ids).size, 21);
      assert.ok(
        rs.filter((r) => r.scenario === "interactive_warm").every((r) => r.cache_mode === "warm"),
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "a prompt longer than llama-cpp-python's context: refused before the run when the context is configured, an empty 200 stream named otherwise",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startLlamaCppServer(SMOLLM2, { threads: 1, contextSize: 512 });
    try {
      const cfg = await config(server.baseUrl);
      // The server does not report its context: without context_length the request is sent, and
      // the server's empty answer is recorded with a message that says what happened.
      const results = await Deno.makeTempDir({ prefix: "real-server-ctx-" });
      const sent = await runCli("lib/cli/perf.ts", [
        "--config-dir",
        cfg,
        "--models",
        "smollm2_server",
        "--scenarios",
        "summarization,interactive_assistant",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--results-dir",
        results,
      ]);
      assert.equal(sent.code, 1, sent.stdout + sent.stderr);
      const rs = await records(results);
      const summ = rs.filter((r) => r.scenario === "summarization");
      assert.equal(summ.length, 1, "one failed attempt recorded (runs 1)");
      assert.match(
        summ[0].error!,
        /answered HTTP 200 with an empty stream .*llama-cpp-python does this when the prompt and max_tokens exceed its context/,
      );
      assert.equal(
        rs.filter((r) => r.scenario === "interactive_assistant" && r.error === null).length,
        1,
      );
      // With the context configured, the prompt is counted with the model's tokenizer and refused
      // before any request.
      const models = await Deno.readTextFile(join(cfg, "models.yaml"));
      await Deno.writeTextFile(
        join(cfg, "models.yaml"),
        models.replace("    format: GGUF", "    context_length: 512\n    format: GGUF"),
      );
      const results2 = await Deno.makeTempDir({ prefix: "real-server-ctx2-" });
      const refused = await runCli("lib/cli/perf.ts", [
        "--config-dir",
        cfg,
        "--models",
        "smollm2_server",
        "--scenarios",
        "summarization,interactive_assistant",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--results-dir",
        results2,
      ]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /\[Refused\] smollm2_server\/summarization: prompt of \d+ tokens \(tokenizer count\) plus max_tokens 256 does not fit the 512-token context/,
      );
      const rs2 = await records(results2);
      assert.deepEqual(rs2.map((r) => r.scenario), ["interactive_assistant"]);
    } finally {
      await server.stop();
    }
  },
});
