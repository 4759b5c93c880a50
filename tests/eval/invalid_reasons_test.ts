/**
 * The cause of every invalid answer, per record and counted in the summary, against a SCRIPTED
 * FAKE server (tests/eval/_scripted_server.ts): the answers are chosen by the test (forms taken
 * from the real-output corpus), so every cause and count is known.
 */
import assert from "node:assert/strict";
import { evalMetrics, executeEval, prepareEval } from "../../lib/eval/mod.ts";
import { EvalRecordSchema, EvalSummarySchema, readJsonl } from "../../lib/results/mod.ts";
import { summaryBlock } from "../../lib/cli/eval.ts";
import {
  queryOf,
  scriptedConfigDir,
  type ScriptedReply,
  startScriptedServer,
} from "./_scripted_server.ts";
import { LOCAL_DATA, noEnvironment, withTempDir } from "./_helpers.ts";

Deno.test("every invalid answer records its cause and the summary counts causes and length cuts", async () => {
  const request = { task: "financial_phrasebank", overrides: { sample_size: 7 } };
  const probe = await prepareEval(
    { ...request, model: "stories260k", resultsDir: "/nonexistent" },
    {
      data: LOCAL_DATA,
    },
  );
  const samples = probe.task.samples;
  const position = new Map(
    samples.map((s, i) => [s.prompt.match(/^Sentence: (.*)$/gm)!.at(-1)!.slice(10), i]),
  );
  const replies: ScriptedReply[] = [
    { content: `Sentiment:\n${samples[0].reference}` },
    { content: "neutral/positive" },
    { content: "" },
    { content: '{"label": "', finishReason: "length" },
    { status: 500 },
    { content: "I cannot classify this sentence." },
    // Cut by max_tokens after the label: valid, but counted among the length cuts.
    { content: `${samples[6].reference}. The sentence says that the`, finishReason: "length" },
  ];
  const server = startScriptedServer((req) => replies[position.get(queryOf(req))!]);
  const configDir = await scriptedConfigDir(server.baseUrl);
  try {
    await withTempDir(async (dir) => {
      const prepared = await prepareEval({
        ...request,
        model: "scripted",
        configDir,
        resultsDir: dir,
      }, {
        data: LOCAL_DATA,
      });
      const result = await executeEval(prepared, { captureEnvironment: noEnvironment });
      const { records } = await readJsonl(result.recordsPath, EvalRecordSchema);
      const byId = new Map(records.map((r) => [r.sample_id, r]));
      assert.deepEqual(samples.map((s) => byId.get(s.id)!.invalid_reason), [
        null,
        "several_labels",
        "empty",
        "truncated",
        "error",
        "no_label",
        null,
      ]);
      const s = EvalSummarySchema.parse(JSON.parse(await Deno.readTextFile(result.summaryPath)));
      const m = s.metrics;
      assert.deepEqual(m.invalid_reasons, {
        no_label: { count: 1, rate: 1 / 7 },
        several_labels: { count: 1, rate: 1 / 7 },
        truncated: { count: 1, rate: 1 / 7 },
        empty: { count: 1, rate: 1 / 7 },
        error: { count: 1, rate: 1 / 7 },
      });
      assert.deepEqual([m.invalid, m.invalid_rate, m.errors], [4, 4 / 7, 1]);
      assert.deepEqual([m.length_cut, m.length_cut_rate], [2, 2 / 7]);
      const block = summaryBlock(s, { records: "r", summary: "s" });
      assert.match(block, /Invalid causes: no label 1, several labels 1, truncated 1, empty 1/);
      assert.match(block, /Cut by length: {2}28\.6% \(2\) at max_tokens 24/);
    });
  } finally {
    await server.close();
    await Deno.remove(configDir, { recursive: true });
  }
});

Deno.test("records written before invalid_reason existed get their cause derived in the summary", () => {
  const base = {
    schema_version: 1,
    kind: "eval",
    run_id: "r",
    config_hash: "0".repeat(64),
    task: "t",
    model_key: "m",
    model_id: "m",
    backend: "openai",
    format: "GGUF",
    quantization: "Q4_K_M",
    group: null,
    system_prompt: null,
    prompt: "",
    reasoning: "",
    prediction: null,
    reference: "neutral",
    correct: false,
    score: 0,
    scores: {},
    valid: false,
    details: {},
    latency_ms: 1,
    ttft_ms: 1,
    prompt_tokens: 1,
    output_tokens: 1,
    cached_prompt_tokens: null,
    token_count_source: "server",
    server_timings: null,
    seed: 42,
    temperature: 0,
    max_tokens: 8,
    host: "h",
    git_commit: null,
    timestamp: "2025-01-01T00:00:00.000Z",
  };
  const old = [
    { sample_id: "s/1", raw_output: '{"label": "', finish_reason: "length", error: null },
    { sample_id: "s/2", raw_output: "", finish_reason: "stop", error: null },
    { sample_id: "s/3", raw_output: "banana", finish_reason: "stop", error: null },
    { sample_id: "s/4", raw_output: "", finish_reason: null, error: "HTTP 500" },
  ].map((r) => EvalRecordSchema.parse({ ...base, ...r }));
  assert.ok(old.every((r) => r.invalid_reason === null));
  const m = evalMetrics(old, {
    labels: ["negative", "neutral", "positive"],
    hasAccuracy: true,
    meanScores: [],
  })
    .metrics;
  assert.deepEqual(
    Object.fromEntries(Object.entries(m.invalid_reasons!).map(([k, v]) => [k, v.count])),
    { no_label: 1, several_labels: 0, truncated: 1, empty: 1, error: 1 },
  );
});
