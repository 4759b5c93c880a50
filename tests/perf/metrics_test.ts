import assert from "node:assert/strict";
import {
  aggregateThroughput,
  checkJsonOutput,
  requestMetrics,
  summarizePerf,
} from "../../lib/perf/mod.ts";
import type { PerfRecord } from "../../lib/results/mod.ts";

Deno.test("requestMetrics() follows DESIGN.md's definitions on a hand-computed request", () => {
  // sent at 1000 ms, first content at 1250, last at 2250; 41 output tokens, 500 prompt tokens.
  const m = requestMetrics(
    { sentAt: 1000, firstContentAt: 1250, lastContentAt: 2250, endAt: 2300 },
    500,
    41,
  );
  assert.equal(m.ttft_ms, 250);
  assert.equal(m.e2e_ms, 1250);
  assert.equal(m.decode_ms, 1000);
  assert.equal(m.tpot_ms, 25); // 1000 ms / (41 - 1)
  assert.equal(m.output_tokens_per_s, 40); // 1 / 25 ms
  assert.equal(m.e2e_tokens_per_s, 41 / 1.25); // 32.8
  assert.equal(m.prefill_tokens_per_s, 2000); // 500 / 0.25 s
});

Deno.test("requestMetrics() leaves undefined quantities null for tiny outputs and no content", () => {
  const one = requestMetrics(
    { sentAt: 0, firstContentAt: 100, lastContentAt: 100, endAt: 120 },
    10,
    1,
  );
  assert.equal(one.tpot_ms, null);
  assert.equal(one.output_tokens_per_s, null);
  assert.equal(one.ttft_ms, 100);
  const unknown = requestMetrics(
    { sentAt: 0, firstContentAt: 100, lastContentAt: 300, endAt: 320 },
    null,
    null,
  );
  assert.equal(unknown.tpot_ms, null, "no token count: no TPOT, never a chunk count");
  assert.equal(unknown.prefill_tokens_per_s, null);
  const none = requestMetrics(
    { sentAt: 0, firstContentAt: null, lastContentAt: null, endAt: 50 },
    10,
    0,
  );
  assert.deepEqual(Object.values(none), [null, null, null, null, null, null, null]);
});

Deno.test("checkJsonOutput() accepts a fenced valid object and reports schema errors", () => {
  const schema = {
    type: "object",
    additionalProperties: false,
    required: ["a", "b"],
    properties: {
      a: { type: ["string", "null"], pattern: "^[0-9]{4}$" },
      b: { enum: ["x", "y", null] },
    },
  };
  assert.equal(checkJsonOutput('```json\n{"a":"1234","b":"x"}\n```', schema).valid, true);
  assert.equal(checkJsonOutput('{"a":null,"b":null}', schema).valid, true);
  assert.deepEqual(checkJsonOutput('{"a":"12","c":1}', schema).errors, [
    "$.b: required",
    '$.a: "12" does not match ^[0-9]{4}$',
    "$.c: not allowed",
  ]);
  assert.equal(
    checkJsonOutput('Sure! {"a":"1234","b":"x"}', schema).valid,
    false,
    "prose around JSON is invalid",
  );
});

function rec(over: Partial<PerfRecord>): PerfRecord {
  return {
    schema_version: 1,
    kind: "perf",
    run_id: "r",
    config_hash: "0".repeat(64),
    model_key: "m",
    model_id: "m",
    backend: "embedded",
    runner: "edge-slm-bench",
    format: "GGUF",
    quantization: "F32",
    scenario: "s",
    round_id: null,
    settings: null,
    repetition: 0,
    attempt: 0,
    warmup: false,
    seed: 42,
    temperature: 0,
    max_tokens: 8,
    ttft_ms: 100,
    e2e_ms: 200,
    decode_ms: 100,
    tpot_ms: 10,
    output_tokens_per_s: 100,
    e2e_tokens_per_s: 50,
    prefill_tokens_per_s: 1000,
    prompt_tokens: 100,
    output_tokens: 11,
    token_count_source: "engine",
    peak_rss_bytes: 1000,
    peak_footprint_bytes: null,
    peak_system_used_bytes: null,
    memory_samples: 2,
    server_timings: null,
    request_id: null,
    cache_mode: "cold",
    cached_prompt_tokens: null,
    prompt_tokens_processed: null,
    prompt_cache_hit: null,
    prefill_token_source: null,
    memory_note: null,
    concurrency: 1,
    draft_acceptance_rate: null,
    chunk_offsets_ms: null,
    chunk_tokens: null,
    chunk_token_source: null,
    multi_token_chunks: null,
    sweep: null,
    energy: null,
    energy_note: null,
    thermal: null,
    throttled: null,
    finish_reason: "length",
    output_valid: null,
    output_text: "",
    output_truncated: false,
    output_chars: null,
    error: null,
    host: "h",
    git_commit: null,
    timestamp: "2025-01-01T00:00:00.000Z",
    ...over,
  };
}

Deno.test("summarizePerf() excludes warm-ups and failed requests from timing, counts failures in the success rate", () => {
  const s = summarizePerf([
    rec({ warmup: true, repetition: 0, ttft_ms: 5000, peak_rss_bytes: 9999 }),
    rec({ repetition: 0, ttft_ms: 100 }),
    rec({ repetition: 1, ttft_ms: 200, peak_rss_bytes: 3000 }),
    rec({ repetition: 2, ttft_ms: 300 }),
    rec({ repetition: 3, ttft_ms: null, e2e_ms: null, output_tokens_per_s: null, error: "boom" }),
  ]);
  assert.equal(s.n, 4);
  assert.equal(s.warmups, 1);
  assert.equal(s.succeeded, 3);
  assert.equal(s.success_rate, 0.75);
  assert.equal(s.ttft_ms.mean.value, 200);
  assert.equal(s.peak_rss_bytes, 3000, "the warm-up's peak is not the measured peak");
});

Deno.test("summarizePerf() keeps time intervals positive and names their method", () => {
  // The t interval of TTFT 100, 200, 300 ms is 200 ± 248.4 ms: [-48.4, 448.4].
  const s = summarizePerf([100, 200, 300].map((t, i) => rec({ repetition: i, ttft_ms: t })));
  const [lo, hi] = s.ttft_ms.mean.ci95!;
  assert.ok(lo >= 100 && lo <= 200 && hi >= 200 && hi <= 300, `[${lo}, ${hi}]`);
  assert.equal(s.ttft_ms.mean.ci_method, "bca_bootstrap");
  assert.equal(s.output_tokens_per_s.mean.ci_method, "bca_bootstrap");
  assert.equal(s.ttft_ms.median.ci_method, "percentile_bootstrap");
  const checked = summarizePerf([rec({ output_valid: true }), rec({ output_valid: false })]);
  assert.equal(checked.output_valid!.ci_method, "wilson");
});

Deno.test("summarizePerf() reports aggregate throughput of concurrent windows beside per-request speed", () => {
  // Two windows of 4 concurrent requests; each stream decodes at 50 tokens/s, but 4 streams of 50
  // tokens finish together after 1.0 s (window 1) and 1.25 s (window 2).
  const records = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
    const w = i < 4 ? { id: 1, sent: 0, end: 1000 } : { id: 2, sent: 5000, end: 6250 };
    return rec({
      repetition: i,
      output_tokens: 50,
      output_tokens_per_s: 50,
      concurrency: 4,
      batch_window: { id: w.id, size: 4, sent_ms: w.sent + (i % 4), end_ms: w.end - (i % 4) },
    });
  });
  // A warm-up window is not counted.
  records.push(rec({
    warmup: true,
    concurrency: 4,
    output_tokens: 999,
    batch_window: { id: 0, size: 1, sent_ms: 0, end_ms: 1 },
  }));
  const s = summarizePerf(records);
  assert.equal(s.concurrency, 4);
  assert.equal(s.output_tokens_per_s.mean.value, 50);
  const a = s.aggregate_output_tokens_per_s!;
  // 400 tokens over 1.0 s + 1.25 s.
  assert.deepEqual([a.value, a.windows, a.output_tokens, a.wall_ms], [400 / 2.25, 2, 400, 2250]);
  assert.ok(a.ci95![0] <= a.value! && a.value! <= a.ci95![1] && a.ci95![0] > 0);
  assert.equal(a.ci_method, "bca_bootstrap");
});

Deno.test("aggregateThroughput() leaves out windows cut short and counts failed requests as 0 tokens", () => {
  const a = aggregateThroughput([
    { window: 1, size: 2, sent_ms: 0, end_ms: 500, output_tokens: 40 },
    { window: 1, size: 2, sent_ms: 1, end_ms: 1000, output_tokens: 0 },
    // Window 2 lost a request (a crash before it was recorded).
    { window: 2, size: 2, sent_ms: 0, end_ms: 100, output_tokens: 1000 },
  ]);
  assert.deepEqual([a.value, a.windows, a.ci95, a.concurrency], [40, 1, null, 2]);
  const none = aggregateThroughput([
    { window: 3, size: 1, sent_ms: null, end_ms: null, output_tokens: null },
  ]);
  assert.deepEqual([none.value, none.windows], [null, 0]);
});
