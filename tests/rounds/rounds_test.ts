/**
 * Optimization rounds on the real llama.cpp engine (stories260K, and a head-size-32 variant of
 * it for quantized KV caches), through a launched llama-server-like process, and the refusals.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { executeRounds, prepareRounds, type RoundsSummary } from "../../lib/rounds/mod.ts";
import { PerfRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { loadResults, performanceTable } from "../../lib/report/mod.ts";
import { ROOT, runCli, STORIES } from "../helpers/mod.ts";
import { testConfig } from "./_helpers.ts";
import { widerHeadStories } from "../helpers/gguf_variant.ts";

const byId = (s: RoundsSummary) => Object.fromEntries(s.rounds.map((r) => [r.id, r]));

Deno.test("every round runs on the embedded engine with its settings read back, or says why not", async () => {
  const configDir = await testConfig();
  const resultsDir = await Deno.makeTempDir();
  const prepared = await prepareRounds({
    model: "stories260k",
    rounds: "all",
    configDir,
    resultsDir,
  });
  const result = await executeRounds(prepared);
  const r = byId(result.summary);
  // The two quantized-KV rounds fail (below), and a run with a failed round is never complete.
  assert.equal(result.complete, false);
  assert.deepEqual(
    result.summary.rounds.filter((x) => x.status === "failed").map((x) => x.id).sort(),
    ["kv_q4_0", "kv_q8_0"],
  );
  // Declared for llama-server only: skipped with its reason, never run as baseline.
  assert.equal(r.hybrid_batching_draft.status, "skipped");
  assert.match(r.hybrid_batching_draft.reason!, /declared for llama-server, not embedded/);
  // stories260K's attention heads are 8 wide: llama.cpp cannot store them in 32-value blocks.
  for (const id of ["kv_q8_0", "kv_q4_0"]) {
    assert.equal(r[id].status, "failed");
    assert.match(
      r[id].reason!,
      /stores blocks of 32 values, but this model's attention head size is 8/,
    );
  }
  const ran = [
    "baseline",
    "flash_attention",
    "kv_f16",
    "batch_128",
    "batch_2048",
    "context_8192",
    "continuous_batching",
    "prompt_lookup",
    "speculative_draft",
    "hybrid_fa_lookup",
    "hybrid_batching_lookup",
  ];
  for (const id of ran) assert.equal(r[id].status, "run", `${id}: ${r[id].reason}`);
  const applied = (id: string) => r[id].applied_settings as Record<string, unknown>;
  assert.equal(applied("baseline").flash_attention, false);
  assert.equal(applied("flash_attention").flash_attention, true);
  assert.equal(applied("kv_f16").kv_cache_type_k, "F16");
  assert.equal(applied("batch_128").batch_size, 128);
  assert.equal(applied("batch_2048").batch_size, 2048);
  assert.equal(applied("context_8192").context_size, 8192);
  assert.ok(
    (applied("context_8192").context_memory_estimate_bytes as number) >
      (applied("baseline").context_memory_estimate_bytes as number),
    "a bigger context needs a bigger KV cache",
  );
  assert.equal(applied("continuous_batching").sequences, 4);
  assert.equal(applied("prompt_lookup").token_predictor, "input_lookup");
  assert.equal(applied("speculative_draft").token_predictor, "draft");
  assert.equal(applied("hybrid_batching_lookup").sequences, 4);
  // Records carry the round and the settings in effect.
  const files = [...Deno.readDirSync(resultsDir)].filter((e) => e.name.startsWith("perf_")).map((
    e,
  ) => e.name);
  assert.equal(files.length, ran.length);
  const draftFile = files.find((f) => f.includes("_speculative_draft_"))!;
  const { records } = await readJsonl(join(resultsDir, draftFile), PerfRecordSchema);
  assert.ok(
    records.every((x) =>
      x.round_id === "speculative_draft" &&
      (x.settings as { token_predictor: string }).token_predictor === "draft"
    ),
  );
  // The engine's own prediction counts are turned into an acceptance rate (null when a request
  // made no prediction). Observed here: well below 1 even for a model drafting for itself.
  const rates = records.map((x) => x.draft_acceptance_rate).filter((x): x is number => x !== null);
  assert.ok(
    rates.length > 0 && rates.every((x) => x >= 0 && x <= 1),
    JSON.stringify(records.map((x) => x.draft_acceptance_rate)),
  );
  assert.ok(records.filter((x) => !x.round_id?.includes("draft")).length === 0);
  // Every round is compared with the baseline, with intervals, and has a quality figure.
  const perf = result.summary.performance;
  assert.equal(perf.length, ran.length);
  for (const row of perf.filter((p) => p.round !== "baseline")) {
    assert.ok(
      row.vs_baseline && row.vs_baseline.ttft_ms.ci95,
      `${row.round} has a TTFT difference with CI`,
    );
  }
  assert.equal(result.summary.quality.length, ran.length);
  assert.ok(result.summary.quality.every((q) => q.accuracy.n === 3));
  // Quality changes are paired (the same 3 samples in every round).
  assert.ok(
    result.summary.quality.every((q) =>
      q.round === "baseline" ? q.vs_baseline === null : q.vs_baseline!.method === "tango_score"
    ),
  );
  // Continuous batching: its 2 requests were sent together, one window; aggregate throughput is
  // reported beside per-request tokens/s, and for the sequential baseline too (2 windows of 1).
  const batching = perf.find((p) => p.round === "continuous_batching")!;
  assert.equal(batching.concurrency, 4);
  assert.equal(batching.aggregate_output_tokens_per_s!.windows, 1);
  assert.ok(batching.aggregate_output_tokens_per_s!.value! > 0);
  const baseline = perf.find((p) => p.round === "baseline")!;
  assert.deepEqual([baseline.concurrency, baseline.aggregate_output_tokens_per_s!.windows], [1, 2]);
  // Round records flow into the report's performance table, one row per round.
  const table = performanceTable(await loadResults(resultsDir));
  assert.deepEqual(table.map((t) => t.round).sort(), [...ran].sort());
  assert.ok(table.every((t) => t.n === 2 && t.runner === "edge-slm-bench"));
});

Deno.test("quantized KV cache rounds apply on a model whose head size allows them, and shrink the cache", async () => {
  const variant = await widerHeadStories(STORIES, await Deno.makeTempDir());
  const configDir = await testConfig(`  stories_head32:
    backend: embedded
    name: stories260K with 32-wide heads (test variant)
    model_id: test/stories260K-head32
    format: GGUF
    quantization: F32
    file: stories260K-head32.gguf
    path: ${variant}
    threads: 1
    context_size: 4096
    flash_attention: "off"
`);
  const prepared = await prepareRounds({
    model: "stories_head32",
    rounds: "flash_attention,kv_q8_0,kv_q4_0",
    configDir,
    resultsDir: await Deno.makeTempDir(),
    quality: false,
  });
  const result = await executeRounds(prepared);
  const r = byId(result.summary);
  const mem = (id: string) =>
    (r[id].applied_settings as { context_memory_estimate_bytes: number })
      .context_memory_estimate_bytes;
  assert.equal((r.kv_q8_0.applied_settings as { kv_cache_type_k: string }).kv_cache_type_k, "Q8_0");
  assert.equal((r.kv_q4_0.applied_settings as { kv_cache_type_v: string }).kv_cache_type_v, "Q4_0");
  assert.ok(
    mem("flash_attention") > mem("kv_q8_0") && mem("kv_q8_0") > mem("kv_q4_0"),
    `${mem("flash_attention")} > ${mem("kv_q8_0")} > ${mem("kv_q4_0")}`,
  );
  assert.ok(result.summary.performance.every((p) => p.success_rate === 1));
});

Deno.test("rounds on a llama-server the tool launches: flags passed, settings read back from /props", async () => {
  const configDir = await testConfig(`  stories_server:
    backend: openai
    name: stories260K behind a launched llama-server-like process
    model_id: test/stories260k
    format: GGUF
    quantization: F32
    server:
      command: ["${Deno.execPath()}", "run", "-A", "--v8-flags=--expose-gc", "${
    join(ROOT, "tests/helpers/lmstudio_like_server.ts")
  }"]
      model_path: ${STORIES}
      startup_timeout_ms: 60000
`);
  const prepared = await prepareRounds({
    model: "stories_server",
    rounds: "flash_attention,context_8192,continuous_batching,prompt_lookup,kv_q8_0",
    configDir,
    resultsDir: await Deno.makeTempDir(),
    quality: false,
  });
  const result = await executeRounds(prepared);
  const r = byId(result.summary);
  assert.equal(r.prompt_lookup.status, "skipped");
  assert.match(r.prompt_lookup.reason!, /declared for embedded, not llama-server/);
  const applied = (id: string) =>
    r[id].applied_settings as {
      argv: string[];
      props: { engine: Record<string, unknown>; total_slots: number };
    };
  assert.ok(applied("flash_attention").argv.join(" ").includes("-fa on"));
  assert.equal(applied("flash_attention").props.engine.flash_attention, true);
  assert.equal(applied("context_8192").props.engine.context_size, 8192);
  assert.ok(applied("continuous_batching").argv.join(" ").includes("-np 4 -cb"));
  assert.equal(applied("continuous_batching").props.total_slots, 4);
  assert.equal(r.kv_q8_0.status, "failed", "the server refuses to start with it, and says why");
  assert.match(r.kv_q8_0.reason!, /head size is 8/);
  for (const p of result.summary.performance) {
    assert.equal(p.success_rate, 1, p.round);
    assert.ok(p.peak_rss_bytes.value! > 10 * 2 ** 20, "the launched server's memory is sampled");
  }
});

Deno.test("a round an LM Studio model cannot apply is skipped with LM Studio's reason", async () => {
  const prepared = await prepareRounds({
    model: "gemma_3n_e4b_gguf",
    rounds: "all",
    configDir: await testConfig(),
    resultsDir: await Deno.makeTempDir(),
  });
  const e = Object.fromEntries(prepared.entries.map((x) => [x.id, x]));
  assert.equal(e.baseline.status, "planned");
  assert.equal(e.flash_attention.status, "planned");
  assert.equal(e.context_8192.status, "planned");
  assert.equal(e.kv_q8_0.status, "skipped");
  assert.match(e.kv_q8_0.reason!, /not lmstudio/);
  assert.equal(e.prompt_lookup.status, "skipped");
  assert.ok(
    prepared.plan.units.every((u) =>
      ["baseline", "flash_attention", "batch_128", "batch_2048", "context_8192"].includes(u.round!)
    ),
  );
});

Deno.test("a malformed rounds file is refused with file, field and value, exit 2, nothing written", async () => {
  // deno-lint-ignore no-explicit-any
  const cases: [string, (y: Record<string, any>) => void, string[]][] = [
    ["unknown setting", (y) => (y.rounds.flash_attention.settings = { flash_atention: true }), [
      "'rounds.flash_attention.settings'",
      "flash_atention",
    ]],
    ["a backend that cannot apply a setting", (y) => y.rounds.kv_q8_0.backends.push("lmstudio"), [
      "'rounds.kv_q8_0.backends'",
      "lmstudio, which cannot apply kv_cache_type_k",
    ]],
    [
      "quantized V cache without FlashAttention",
      (y) => (y.rounds.kv_q4_0.settings.flash_attention = false),
      ["'rounds.kv_q4_0.settings.flash_attention'", "current value is false"],
    ],
    ["no baseline", (y) => delete y.rounds.baseline, [
      "'rounds'",
      "must define a 'baseline' round",
    ]],
    ["bad KV type", (y) => (y.rounds.kv_f16.settings.kv_cache_type_k = "q3"), [
      "'rounds.kv_f16.settings.kv_cache_type_k'",
      '"q3"',
    ]],
  ];
  for (const [name, edit, expected] of cases) {
    const dir = await testConfig();
    const y = parse(await Deno.readTextFile(join(dir, "rounds.yaml")));
    edit(y);
    await Deno.writeTextFile(join(dir, "rounds.yaml"), stringify(y));
    const results = join(await Deno.makeTempDir(), "results");
    const out = await runCli("lib/cli/rounds.ts", [
      "--model",
      "stories260k",
      "--config-dir",
      dir,
      "--results-dir",
      results,
    ]);
    assert.equal(out.code, 2, `${name}: ${out.stderr}`);
    assert.ok(
      out.stderr.includes(join(dir, "rounds.yaml")),
      `${name}: names the file: ${out.stderr}`,
    );
    for (const e of expected) {
      assert.ok(out.stderr.includes(e), `${name}: expected ${e} in ${out.stderr}`);
    }
    await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
  }
});
