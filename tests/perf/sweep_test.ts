/**
 * Length sweeps: the grid, the synthetic prompts of exact token lengths (checked against the real
 * engine's tokenizer on real GGUF models: stories260K's sentencepiece vocabulary and
 * SmolLM2-135M-Instruct's BPE with its ChatML template), the per-point curves, and the fit of TTFT
 * against prompt tokens (checked on synthetic data with a known slope).
 */
import assert from "node:assert/strict";
import {
  buildSweepPrompt,
  executePerf,
  parseSweepGrid,
  type PerfEvent,
  preparePerf,
  sweepContextSize,
  sweepFits,
  sweepMessages,
  sweepPoints,
  sweepSamples,
  sweepScenarios,
} from "../../lib/perf/mod.ts";
import { createEmbeddedBackend } from "../../lib/backends/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";
import type { PerfRecord } from "../../lib/results/mod.ts";
import { linearFit, seededRandom } from "../../lib/stats/mod.ts";
import { realModelPath, STORIES, writeTestConfig } from "../helpers/mod.ts";

const noEnvironment = () => Promise.resolve({ git: { commit: null }, note: "not captured" });

Deno.test("parseSweepGrid() reads the --sweep grid, sorted and without repeats, or takes scenarios.yaml's block", () => {
  assert.deepEqual(parseSweepGrid("prompt=512,128,512 output=32"), {
    prompt_tokens: [128, 512],
    output_tokens: [32],
  });
  assert.deepEqual(parseSweepGrid("prompt_tokens=64;output_tokens=8,16"), {
    prompt_tokens: [64],
    output_tokens: [8, 16],
  });
  const yaml = { prompt_tokens: [128], output_tokens: [32] };
  assert.deepEqual(parseSweepGrid("", yaml), yaml);
  assert.deepEqual(parseSweepGrid("output=8", yaml), { prompt_tokens: [128], output_tokens: [8] });
});

Deno.test("parseSweepGrid() refuses a bad grid naming --sweep and the value", () => {
  assert.throws(
    () => parseSweepGrid("prompt=128 out=32"),
    (e: unknown) =>
      e instanceof ConfigError && /--sweep/.test(e.message) && /'out=32'/.test(e.message),
  );
  assert.throws(
    () => parseSweepGrid("prompt=128"),
    (e: unknown) => e instanceof ConfigError && /output_tokens.*is missing/.test(e.message),
  );
  assert.throws(() => parseSweepGrid("prompt=0 output=8"), ConfigError);
  assert.throws(() => parseSweepGrid(""), ConfigError);
});

Deno.test("sweepScenarios() makes one cold, unchecked scenario per point, and the context its largest point needs", () => {
  const s = sweepScenarios({ prompt_tokens: [128, 8192], output_tokens: [32, 512] });
  assert.deepEqual(Object.keys(s), [
    "sweep_p128_o32",
    "sweep_p128_o512",
    "sweep_p8192_o32",
    "sweep_p8192_o512",
  ]);
  const p = s.sweep_p8192_o512;
  assert.deepEqual([p.max_tokens, p.cache, p.validate, p.sweep], [512, "cold", "none", {
    prompt_tokens: 8192,
    output_tokens: 512,
  }]);
  assert.equal(
    sweepContextSize(Object.values(s)),
    8960,
    "8192 + 512 + 16, up to a multiple of 256",
  );
  assert.equal(sweepContextSize([]), null);
});

Deno.test("linearFit() recovers a known slope and intercept from noisy synthetic data, its intervals holding them", () => {
  // TTFT = 40 ms + 0.25 ms/token × prompt tokens, noise sd 3 ms.
  const random = seededRandom(11);
  const x: number[] = [];
  const y: number[] = [];
  for (const p of [128, 512, 2048, 8192]) {
    for (let i = 0; i < 10; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      x.push(p);
      y.push(40 + 0.25 * p + 3 * z);
    }
  }
  const fit = linearFit(x, y);
  assert.ok(fit.slope_ci95![0] <= 0.25 && 0.25 <= fit.slope_ci95![1], String(fit.slope_ci95));
  assert.ok(fit.intercept_ci95![0] <= 40 && 40 <= fit.intercept_ci95![1]);
  assert.ok(Math.abs(fit.slope! - 0.25) < 0.002 && fit.r2! > 0.999);
  assert.equal(fit.ci_method, "t");
  // Noise-free data: exact line, zero-width intervals.
  const exact = linearFit([100, 200, 400], [65, 90, 140]);
  assert.ok(Math.abs(exact.intercept! - 40) < 1e-9 && Math.abs(exact.slope! - 0.25) < 1e-12);
  assert.ok(exact.slope_ci95![1] - exact.slope_ci95![0] < 1e-9, "noise-free: zero width");
  assert.equal(linearFit([1, 1], [2, 3]).slope, null, "no spread in x: no line");
});

Deno.test("sweepFits() fits TTFT against the counted prompt tokens per model: overhead, cost per token, implied prefill rate", () => {
  const records = [128, 512, 2048].flatMap((p, i) =>
    [0, 1].map((r) =>
      ({
        run_id: "r",
        model_key: "m",
        scenario: `sweep_p${p}_o8`,
        round_id: null,
        concurrency: 1,
        warmup: false,
        repetition: r,
        attempt: 0,
        error: null,
        ttft_ms: 30 + 0.5 * p + (r ? 1 : -1),
        prompt_tokens: p,
        sweep: {
          prompt_tokens_target: p,
          output_tokens_target: 8,
          prompt_token_method: "engine",
          prompt_exact: true,
          context_size: 4096,
        },
        output_tokens: 8,
        prefill_tokens_per_s: p / ((30 + 0.5 * p) / 1000),
        output_tokens_per_s: 100 - i,
        peak_rss_bytes: 1000 + i,
        energy: null,
      }) as unknown as PerfRecord
    )
  );
  const [fit] = sweepFits(sweepSamples(records));
  assert.equal(fit.model_key, "m");
  assert.ok(
    Math.abs(fit.ms_per_prompt_token! - 0.5) < 1e-9 && Math.abs(fit.overhead_ms! - 30) < 1e-9,
  );
  assert.ok(Math.abs(fit.implied_prefill_tokens_per_s! - 2000) < 1e-6);
  assert.deepEqual(fit.prompt_tokens, [128, 512, 2048]);
  const points = sweepPoints(sweepSamples(records));
  assert.deepEqual(points.map((p) => [p.prompt_tokens_target, p.n, p.peak_rss_bytes]), [
    [128, 2, 1000],
    [512, 2, 1001],
    [2048, 2, 1002],
  ]);
  assert.equal(points[2].decode_tokens_per_s.value, 98);
});

for (
  const [label, path, targets] of [
    ["stories260K (sentencepiece, no template)", () => Promise.resolve(STORIES), [120, 197, 300]],
    ["SmolLM2-135M-Instruct (BPE, ChatML)", () => realModelPath("smollm2_135m_instruct"), [
      64,
      211,
    ]],
  ] as const
) {
  Deno.test(`buildSweepPrompt() hits exact lengths by the engine's own count on ${label}`, async () => {
    const backend = await createEmbeddedBackend(await path(), { threads: 1, contextSize: 1024 });
    try {
      for (const target of targets) {
        for (const id of ["00000000", "98765432"]) {
          const p = await buildSweepPrompt(target, (m) => backend.countPromptTokens!(m), {
            requestId: id,
          });
          assert.equal(p.method, "engine");
          assert.equal(p.tokens, target, `${target} tokens with id ${id}`);
          assert.ok(p.exact);
          // Counted again from scratch, the rendered chat has exactly the target length.
          const again = await backend.countPromptTokens!(sweepMessages(p.words, p.pads, id));
          assert.equal(again!.tokens, target);
        }
      }
      await assert.rejects(
        buildSweepPrompt(3, (m) => backend.countPromptTokens!(m), { requestId: "00000000" }),
        (e: unknown) =>
          e instanceof RangeError &&
          /shorter than its chat template, system prompt and one word/.test(String(e)),
      );
    } finally {
      await backend.close();
    }
  });
}

Deno.test("a sweep on the embedded engine (SmolLM2) measures every point with prompts of exactly the target length, each in its own process", async () => {
  const configDir = await writeTestConfig(await Deno.makeTempDir({ prefix: "perf-sweep-cfg-" }));
  const prepared = await preparePerf({
    models: "smollm2_135m_instruct",
    sweep: "prompt=64,160 output=4,8",
    overrides: { runs: 2, warmup: 1 },
    configDir,
    resultsDir: await Deno.makeTempDir({ prefix: "perf-sweep-res-" }),
  });
  assert.deepEqual(
    prepared.plan.units.map((u) => u.scenario),
    ["sweep_p64_o4", "sweep_p64_o8", "sweep_p160_o4", "sweep_p160_o8"],
    "the sweep replaces the scenarios",
  );
  assert.deepEqual(prepared.run.plan.sweep, { prompt_tokens: [64, 160], output_tokens: [4, 8] });
  const events: PerfEvent[] = [];
  const result = await executePerf(prepared, {
    onEvent: (e) => events.push(e),
    captureEnvironment: noEnvironment,
  });
  assert.equal(result.complete, true, JSON.stringify(result.failures));
  const records = events.filter((e) => e.type === "request_done").map((e) =>
    (e as { record: PerfRecord }).record
  );
  assert.equal(records.length, 4 * 3);
  const backend = await createEmbeddedBackend(await realModelPath("smollm2_135m_instruct"), {
    threads: 1,
    contextSize: 1024,
  });
  try {
    for (const r of records) {
      const target = r.sweep!.prompt_tokens_target;
      assert.equal(
        r.prompt_tokens,
        target,
        `${r.scenario}: the engine evaluated ${r.prompt_tokens}`,
      );
      assert.deepEqual([r.sweep!.prompt_token_method, r.sweep!.prompt_exact], ["engine", true]);
      assert.equal(r.max_tokens, r.sweep!.output_tokens_target);
      assert.ok(r.output_tokens! <= r.max_tokens);
      assert.equal(r.cache_mode, "cold");
      assert.match(r.request_id!, /^\d{8}$/);
      // The tokenizer, loaded separately, counts the same prompt the record was made from.
      const p = await buildSweepPrompt(target, (m) => backend.countPromptTokens!(m), {
        requestId: r.request_id,
      });
      assert.equal(p.tokens, target);
    }
  } finally {
    await backend.close();
  }
  const points = sweepPoints(sweepSamples(records));
  assert.equal(points.length, 4);
  for (const p of points) {
    assert.equal(p.n, 2);
    assert.equal(p.prompt_tokens, p.prompt_tokens_target);
    assert.ok(p.ttft_ms.value! > 0 && p.prefill_tokens_per_s.value! > 0);
    assert.ok(p.peak_rss_bytes! > 0, "peak memory per point");
  }
  const [fit] = sweepFits(sweepSamples(records));
  assert.equal(fit.n, 8);
  assert.deepEqual(fit.prompt_tokens, [64, 160]);
  assert.ok(fit.slope !== null && fit.slope_ci95 !== null);
  // Each point ran in its own worker process: their memory peaks are their own.
  assert.equal(Object.keys(result.scenarioPeaks).length, 4);
});

Deno.test("a sweep against a llama-server builds its prompts with the server's own /apply-template and /tokenize (a SCRIPTED server counting words as tokens)", async () => {
  const { startCachingServer } = await import("./_caching_server.ts");
  const server = startCachingServer({ msPerPromptWord: 0, outputTokens: 4, gapMs: 1 });
  try {
    const configDir = await writeTestConfig(
      await Deno.makeTempDir({ prefix: "perf-sweep-srv-" }),
      `models:
  scripted:
    backend: openai
    name: scripted llama-server
    model_id: scripted
    format: GGUF
    quantization: F32
    base_url: ${server.baseUrl}
`,
    );
    const prepared = await preparePerf({
      models: "scripted",
      sweep: "prompt=60,90 output=4",
      overrides: { runs: 2, warmup: 0 },
      configDir,
      resultsDir: await Deno.makeTempDir({ prefix: "perf-sweep-srv-res-" }),
    });
    const events: PerfEvent[] = [];
    const result = await executePerf(prepared, {
      onEvent: (e) => events.push(e),
      captureEnvironment: noEnvironment,
    });
    assert.equal(result.complete, true, JSON.stringify(result.failures));
    const records = events.filter((e) => e.type === "request_done").map((e) =>
      (e as { record: PerfRecord }).record
    );
    assert.equal(records.length, 4);
    for (const r of records) {
      assert.equal(r.sweep!.prompt_token_method, "server");
      assert.equal(r.prompt_tokens, r.sweep!.prompt_tokens_target, "the server's usage agrees");
      assert.equal(r.sweep!.prompt_exact, true);
    }
    // Every chat request was told not to reuse the cache.
    assert.ok(server.requests.every((b) => b.cache_prompt === false));
  } finally {
    await server.stop();
  }
});
