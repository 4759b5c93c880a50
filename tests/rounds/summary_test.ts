/**
 * The rounds summary's statistics on records with exact known answers: synthetic perf and quality
 * records written as JSONL beside a real prepared plan (the engine is not run here; the rounds
 * test runs it). Checks the paired quality comparison, the positive mean intervals and the
 * aggregate throughput of a continuous batching round.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { buildRoundsSummary, prepareRounds, roundsRows } from "../../lib/rounds/mod.ts";
import { type EvalRecord, EvalRecordSchema, PerfRecordSchema } from "../../lib/results/mod.ts";
import { proportionDifferenceCi } from "../../lib/stats/mod.ts";
import { ROOT, writeTestConfig } from "../helpers/mod.ts";

async function prepared() {
  const dir = await writeTestConfig(join(await Deno.makeTempDir(), "configs"));
  await Deno.copyFile(join(ROOT, "configs/tasks.yaml"), join(dir, "tasks.yaml"));
  const rounds = parse(await Deno.readTextFile(join(ROOT, "configs/rounds.yaml")));
  rounds.scenarios = ["interactive_assistant"];
  rounds.quality = { task: "financial_phrasebank", sample_size: 40, seed: 42 };
  await Deno.writeTextFile(join(dir, "rounds.yaml"), stringify(rounds));
  return await prepareRounds({
    model: "stories260k",
    rounds: "continuous_batching",
    configDir: dir,
    resultsDir: await Deno.makeTempDir(),
  });
}

type Prepared = Awaited<ReturnType<typeof prepared>>;

function perfRecord(p: Prepared, round: string, i: number, over: Record<string, unknown>) {
  return PerfRecordSchema.parse({
    schema_version: 1,
    kind: "perf",
    run_id: p.plan.runId,
    config_hash: p.plan.configHash,
    model_key: "stories260k",
    model_id: "stories260k",
    backend: "embedded",
    format: "GGUF",
    quantization: "F32",
    scenario: "interactive_assistant",
    round_id: round,
    repetition: i,
    warmup: false,
    seed: 42,
    temperature: 0,
    max_tokens: 64,
    ttft_ms: 10,
    e2e_ms: 1000,
    decode_ms: 990,
    tpot_ms: 20,
    output_tokens_per_s: 50,
    e2e_tokens_per_s: 50,
    prefill_tokens_per_s: 1000,
    prompt_tokens: 10,
    output_tokens: 50,
    token_count_source: "engine",
    peak_rss_bytes: 1000,
    peak_footprint_bytes: null,
    peak_system_used_bytes: null,
    memory_samples: 1,
    server_timings: null,
    finish_reason: "length",
    output_valid: null,
    output_text: "",
    error: null,
    host: "h",
    git_commit: null,
    timestamp: "2025-01-01T00:00:00.000Z",
    ...over,
  });
}

function evalRecord(p: Prepared, round: string, i: number, correct: boolean): EvalRecord {
  return EvalRecordSchema.parse({
    schema_version: 1,
    kind: "eval",
    run_id: `${p.plan.runId}:${round}`,
    config_hash: p.plan.configHash,
    task: "financial_phrasebank",
    model_key: "stories260k",
    model_id: "stories260k",
    backend: "embedded",
    format: "GGUF",
    quantization: "F32",
    sample_id: `fpb/${i}`,
    group: null,
    system_prompt: null,
    prompt: "",
    raw_output: "",
    reasoning: "",
    prediction: correct ? "positive" : "negative",
    reference: "positive",
    correct,
    score: correct ? 1 : 0,
    scores: {},
    valid: true,
    details: {},
    latency_ms: 100,
    ttft_ms: 10,
    prompt_tokens: 10,
    output_tokens: 2,
    cached_prompt_tokens: null,
    token_count_source: "engine",
    server_timings: null,
    finish_reason: "stop",
    seed: 42,
    temperature: 0,
    max_tokens: 8,
    error: null,
    host: "h",
    git_commit: null,
    timestamp: "2025-01-01T00:00:00.000Z",
  });
}

async function summaryOf(
  p: Prepared,
  perf: Record<string, unknown[]>,
  quality: Record<string, EvalRecord[]>,
) {
  const files: Record<string, string> = {};
  for (const [round, records] of Object.entries(perf)) {
    files[`${round}/stories260k/interactive_assistant`] = `perf_${round}.jsonl`;
    await Deno.writeTextFile(
      join(p.plan.resultsDir, `perf_${round}.jsonl`),
      records.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
  }
  for (const [round, records] of Object.entries(quality)) {
    files[`${round}/quality`] = `quality_${round}.jsonl`;
    await Deno.writeTextFile(
      join(p.plan.resultsDir, `quality_${round}.jsonl`),
      records.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
  }
  return await buildRoundsSummary(p, { ...p.run, files });
}

Deno.test("rounds compare quality on the same samples with a paired test (McNemar), not Newcombe", async () => {
  const p = await prepared();
  // 40 samples: baseline right on 28; the round fixes 8 of its misses and breaks 1 (29 → 35).
  const base = Array.from({ length: 40 }, (_, i) => i < 28);
  const round = base.map((ok, i) => (i === 0 ? false : ok || i < 36));
  const summary = await summaryOf(p, {}, {
    baseline: base.map((ok, i) => evalRecord(p, "baseline", i, ok)),
    continuous_batching: round.map((ok, i) => evalRecord(p, "continuous_batching", i, ok)),
  });
  const q = summary.quality.find((x) => x.round === "continuous_batching")!;
  const vs = q.vs_baseline!;
  assert.ok(Math.abs(vs.value! - 7 / 40) < 1e-12);
  assert.deepEqual([vs.method, vs.test, vs.discordant, vs.n], [
    "tango_score",
    "mcnemar_exact",
    9,
    40,
  ]);
  // Exact McNemar on 1 vs 8 discordant samples: 2·(1 + 9)/512.
  assert.ok(Math.abs(vs.p_value! - 20 / 512) < 1e-12);
  assert.equal(vs.significant, true);
  assert.ok(vs.ci95![0] > 0 && vs.ci95![1] <= 1);
  // Newcombe's unpaired interval over the same counts does not see the change.
  assert.equal(
    proportionDifferenceCi({ successes: 28, n: 40 }, { successes: 35, n: 40 }).significant,
    false,
  );
  assert.equal(q.accuracy.ci_method, "wilson");
});

Deno.test("a continuous batching round reports aggregate throughput beside per-request speed", async () => {
  const p = await prepared();
  // Baseline: 8 sequential requests of 50 tokens in 1 s each (50 tokens/s per request, 50 in all).
  const baseline = Array.from({ length: 8 }, (_, i) =>
    perfRecord(p, "baseline", i, {
      ttft_ms: [12, 9, 10, 11, 250, 10, 9, 12][i],
      batch_window: { id: 100 + i, size: 1, sent_ms: 2000 * i, end_ms: 2000 * i + 1000 },
    }));
  // 4 parallel streams: each at 30 tokens/s (slower), but 4 × 50 tokens in 1.6 s per window.
  const batching = Array.from({ length: 8 }, (_, i) => {
    const w = Math.floor(i / 4);
    return perfRecord(p, "continuous_batching", i, {
      output_tokens_per_s: 30,
      e2e_ms: 1600,
      concurrency: 4,
      batch_window: { id: 200 + w, size: 4, sent_ms: 5000 * w, end_ms: 5000 * w + 1600 },
    });
  });
  const summary = await summaryOf(p, { baseline, continuous_batching: batching }, {});
  const row = summary.performance.find((r) => r.round === "continuous_batching")!;
  assert.equal(row.concurrency, 4);
  assert.equal(row.output_tokens_per_s.value, 30);
  assert.equal(row.aggregate_output_tokens_per_s!.value, 200 / 1.6);
  assert.equal(row.aggregate_output_tokens_per_s!.windows, 2);
  assert.ok(row.vs_baseline!.output_tokens_per_s.relative! < 0, "per request: slower");
  assert.ok(
    Math.abs(row.vs_baseline!.aggregate_output_tokens_per_s_relative! - (125 - 50) / 50) < 1e-12,
    "in all: 2.5× the throughput",
  );
  const table = roundsRows(summary).find((r) => r.round === "continuous_batching")!;
  assert.deepEqual([table["mean CI"], table["Δ CI"]], ["bca_bootstrap", "welch"]);
  assert.deepEqual([table.concurrency, table.aggregate_tps, table["Δaggregate %"]], [
    4,
    125,
    "+150.0%",
  ]);
  // Baseline TTFT with an outlier: its mean interval stays inside the values (the t interval
  // of these values reaches below 0).
  const b = summary.performance.find((r) => r.round === "baseline")!;
  assert.ok(b.ttft_ms.ci95![0] >= 9 && b.ttft_ms.ci95![1] <= 250);
  assert.equal(b.ttft_ms.ci_method, "bca_bootstrap");
  assert.equal(row.vs_baseline!.ttft_ms.method, "welch");
});
