import assert from "node:assert/strict";
import { evalMetrics, latestPerSample } from "../../lib/eval/mod.ts";
import type { EvalRecord } from "../../lib/results/mod.ts";
import { macroF1Ci, meanCi, perClassF1Ci } from "../../lib/stats/mod.ts";

function record(
  id: string,
  reference: string,
  prediction: string | null,
  extra: Partial<EvalRecord> = {},
): EvalRecord {
  return {
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
    sample_id: id,
    attempt: 0,
    group: null,
    system_prompt: null,
    prompt: "",
    raw_output: prediction ?? "",
    output_truncated: false,
    output_chars: null,
    reasoning: "",
    prediction,
    reference,
    correct: prediction === reference,
    score: prediction === reference ? 1 : 0,
    scores: {},
    valid: prediction !== null,
    invalid_reason: null,
    details: {},
    latency_ms: 100,
    ttft_ms: 10,
    prompt_tokens: 10,
    output_tokens: 2,
    cached_prompt_tokens: null,
    token_count_source: "server",
    server_timings: null,
    finish_reason: "stop",
    seed: 42,
    temperature: 0,
    max_tokens: 8,
    error: null,
    host: "h",
    git_commit: null,
    timestamp: "2025-01-01T00:00:00.000Z",
    ...extra,
  };
}

// refs:  a a b b    c       c(error)
// preds: a b b null a       (error → no prediction)
const RECORDS = [
  record("s/6", "c", null, {
    error: "HTTP 500",
    correct: false,
    score: null,
    valid: false,
    latency_ms: null,
  }),
  record("s/1", "a", "a"),
  record("s/2", "a", "b"),
  record("s/3", "b", "b"),
  record("s/4", "b", null),
  record("s/5", "c", "a"),
];
const INFO = { labels: ["a", "b", "c", "d"], hasAccuracy: true, meanScores: [] };

Deno.test("evalMetrics() counts errors in n and as incorrect, and reports them apart from invalid answers", () => {
  const m = evalMetrics(RECORDS, INFO).metrics;
  assert.equal(m.n, 6);
  assert.equal(m.errors, 1);
  assert.equal(m.invalid, 1);
  assert.equal(m.error_rate, 1 / 6);
  assert.equal(m.invalid_rate, 1 / 6);
});

Deno.test("evalMetrics() gives accuracy with its Wilson interval", () => {
  // 2 correct of 6. z = 1.959964, z² = 3.841459, p = 1/3: denominator 1 + z²/6 = 1.640243;
  // centre (1/3 + z²/12) / 1.640243 = 0.398390; half-width z·√(p(1−p)/6 + z²/144) / 1.640243
  // = 1.959964·√(0.037037 + 0.026677) / 1.640243 = 0.301617 → [0.0968, 0.7000].
  const acc = evalMetrics(RECORDS, INFO).metrics.accuracy!;
  assert.equal(acc.value, 2 / 6);
  assert.deepEqual(acc.ci95.map((x) => x.toFixed(4)), ["0.0968", "0.7000"]);
  assert.equal(acc.ci_method, "wilson");
});

Deno.test("evalMetrics() averages F1 over the labels present in the references and says how many", () => {
  // a: TP 1 (s/1), FP 1 (s/5), FN 1 (s/2) → 2/4 = 0.5; b: TP 1, FP 1 (s/2), FN 1 (s/4) → 0.5;
  // c: TP 0, support 2 → 0; d: never present nor predicted → left out. Macro = (0.5 + 0.5 + 0)/3.
  const out = evalMetrics(RECORDS, INFO);
  const f1 = out.metrics.macro_f1!;
  assert.equal(f1.value, 1 / 3);
  assert.deepEqual(
    [f1.average, f1.labels_averaged, f1.label_set_size, f1.ci_method],
    ["labels present in the references", 3, 4, "bca_bootstrap"],
  );
  assert.deepEqual(
    out.per_class!.map((c) => [c.label, c.precision, c.recall, c.f1, c.support, c.predicted]),
    [["a", 0.5, 0.5, 0.5, 2, 2], ["b", 0.5, 0.5, 0.5, 2, 2], ["c", 0, 0, 0, 2, 0], [
      "d",
      0,
      0,
      0,
      0,
      0,
    ]],
  );
  // The intervals are the seeded bootstraps of lib/stats over the same (sorted) pairs.
  const refs = ["a", "a", "b", "b", "c", "c"];
  const preds = ["a", "b", "b", null, "a", null];
  const expected = macroF1Ci(refs, preds, { labels: INFO.labels, seed: 42 });
  assert.deepEqual(f1.ci95, expected.ci95);
  assert.ok(f1.ci95[0] <= f1.value && f1.value <= f1.ci95[1]);
  const classes = perClassF1Ci(refs, preds, { labels: INFO.labels, seed: 42 });
  assert.deepEqual(out.per_class!.map((c) => c.f1_ci95), classes.map((c) => c.ci95));
  assert.equal(out.per_class![3].f1_ci95, null);
});

Deno.test("evalMetrics() gives a perfect classifier on 20 of 77 labels macro-F1 1 with [1, 1]", () => {
  const labels = Array.from({ length: 77 }, (_, i) => `intent_${i}`);
  const recs = labels.slice(0, 20).map((l, i) => record(`b/${i}`, l, l));
  const f1 = evalMetrics(recs, { labels, hasAccuracy: true, meanScores: [] }).metrics.macro_f1!;
  assert.deepEqual([f1.value, f1.ci95, f1.labels_averaged, f1.label_set_size], [1, [1, 1], 20, 77]);
});

Deno.test("evalMetrics() puts invalid answers and errors in the confusion matrix's invalid column", () => {
  assert.deepEqual(evalMetrics(RECORDS, INFO).confusion, {
    labels: ["a", "b", "c", "d"],
    matrix: [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
    invalid: [0, 1, 1, 0],
  });
});

Deno.test("evalMetrics() does not depend on the order records were appended in", () => {
  const shuffled = [RECORDS[3], RECORDS[0], RECORDS[5], RECORDS[1], RECORDS[4], RECORDS[2]];
  assert.deepEqual(evalMetrics(shuffled, INFO), evalMetrics(RECORDS, INFO));
});

Deno.test("latestPerSample() lets a later record of a sample supersede an earlier error", () => {
  const retried = [record("s/1", "a", null, { error: "timeout" }), ...RECORDS];
  assert.equal(latestPerSample(retried).length, 6);
  assert.equal(evalMetrics(retried, INFO).metrics.errors, 1);
});

Deno.test("evalMetrics() averages graded scores with errors and empty answers as 0", () => {
  const recs = [
    record("x/1", "r", "p", { correct: null, score: 0.5, scores: { rougeL: 0.5 } }),
    record("x/2", "r", null, { correct: null, score: 0, scores: { rougeL: 0 }, valid: false }),
    record("x/3", "r", null, { correct: null, score: null, error: "boom", valid: false }),
  ];
  const m = evalMetrics(recs, { labels: null, hasAccuracy: false, meanScores: ["rougeL"] }).metrics;
  assert.ok(Math.abs((m.rougeL as { value: number }).value - 0.5 / 3) < 1e-15);
  assert.equal((m.rougeL as { ci_method: string }).ci_method, "bca_bootstrap");
  assert.equal(m.accuracy, undefined);
  assert.equal(m.macro_f1, undefined);
});

Deno.test("evalMetrics() keeps graded-score intervals inside [0, 1] on mostly empty answers", () => {
  // ROUGE-1 of 12 summaries, 10 empty: the t interval of these scores is [-0.034, 0.176].
  const values = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.43, 0.42];
  assert.ok(meanCi(values).ci95![0] < 0);
  const recs = values.map((v, i) =>
    record(`r/${i}`, "ref", "sum", { correct: null, score: v, scores: { rouge1: v } })
  );
  const m = evalMetrics(recs, { labels: null, hasAccuracy: false, meanScores: ["rouge1"] }).metrics;
  for (const name of ["rouge1", "mean_score"]) {
    const e = m[name] as { value: number; ci95: [number, number]; ci_method: string };
    assert.ok(e.ci95[0] >= 0 && e.ci95[0] <= e.value && e.value <= e.ci95[1] && e.ci95[1] <= 1);
    assert.equal(e.ci_method, "bca_bootstrap");
  }
});

Deno.test("evalMetrics() names the method of every latency interval", () => {
  const out = evalMetrics(RECORDS, INFO);
  assert.deepEqual(
    [out.latency_ms.mean.ci_method, out.latency_ms.median.ci_method, out.latency_ms.p90.ci_method],
    ["bca_bootstrap", "percentile_bootstrap", "percentile_bootstrap"],
  );
});

Deno.test("evalMetrics() reports accuracy per group and pass rates per check", () => {
  const recs = [
    record("g/1", "pass", "pass", { group: "x", scores: { check_refusal: 1 } }),
    record("g/2", "pass", "fail", { group: "x", scores: { check_refusal: 0, check_grounded: 1 } }),
    record("g/3", "pass", "pass", { group: "y", scores: { check_grounded: 1 } }),
  ];
  const out = evalMetrics(recs, { labels: null, hasAccuracy: true, meanScores: [] });
  assert.equal(out.groups!.x.n, 2);
  assert.equal(out.groups!.x.accuracy!.value, 0.5);
  assert.equal(out.groups!.y.accuracy!.value, 1);
  const checks = out.metrics.checks as Record<string, { n: number; pass_rate: { value: number } }>;
  assert.equal(checks.refusal.n, 2);
  assert.equal(checks.refusal.pass_rate.value, 0.5);
  assert.equal(checks.grounded.pass_rate.value, 1);
  const rate = checks.refusal.pass_rate as unknown as { ci95: [number, number]; ci_method: string };
  assert.ok(rate.ci95[0] >= 0 && rate.ci95[1] <= 1);
  assert.equal(rate.ci_method, "wilson");
});

Deno.test("evalMetrics() reports the share of prompt tokens served from the prompt cache", () => {
  const recs = [
    record("c/1", "a", "a", { prompt_tokens: 100, cached_prompt_tokens: 0 }),
    record("c/2", "a", "a", { prompt_tokens: 100, cached_prompt_tokens: 90 }),
  ];
  const m = evalMetrics(recs, INFO).metrics;
  assert.deepEqual(m.prompt_cache, { prompt_tokens: 200, cached_prompt_tokens: 90, share: 0.45 });
});
