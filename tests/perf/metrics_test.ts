import assert from "node:assert/strict";
import { checkJsonOutput, requestMetrics, summarizePerf } from "../../lib/perf/mod.ts";
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
    draft_acceptance_rate: null,
    finish_reason: "length",
    output_valid: null,
    output_text: "",
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
  // t(0.975, 2) = 4.302653; sd = 100; half-width = 4.302653 * 100 / sqrt(3) = 248.4137
  assert.ok(Math.abs(s.ttft_ms.mean.ci95![0] - (200 - 248.4137)) < 1e-3);
  assert.equal(s.peak_rss_bytes, 3000, "the warm-up's peak is not the measured peak");
});
