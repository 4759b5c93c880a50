/**
 * Chunk arrival times, inter-token latency (ITL) and the p50/p90/p99 percentiles. The percentile
 * arithmetic is checked against values computed by hand; the end-to-end path against a SCRIPTED
 * llama-server stand-in (tests/perf/_caching_server.ts) that sends its chunks with fixed, known
 * gaps, so the ITL the records hold can be checked against the script.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BOOTSTRAP_WORK_LIMIT,
  chunkFields,
  ChunkRecorder,
  clusterQuantileMethod,
  clusterQuantiles,
  executePerf,
  interChunkGaps,
  latencyPercentiles,
  type PerfEvent,
  preparePerf,
  woodruffOfSorted,
} from "../../lib/perf/mod.ts";
import type { PerfRecord } from "../../lib/results/mod.ts";
import { seededRandom } from "../../lib/stats/mod.ts";
import { ROOT } from "../helpers/mod.ts";
import { type CachingServerOptions, startCachingServer } from "./_caching_server.ts";

const noEnvironment = () => Promise.resolve({ git: { commit: null }, note: "not captured" });

Deno.test("ChunkRecorder merges pieces that arrive with one stamp into one chunk of several tokens", () => {
  const c = new ChunkRecorder();
  c.onContent("Hel", 1000);
  c.onContent("lo", 1000);
  c.onContent(" world", 1012.5);
  const f = chunkFields(c, 900);
  assert.deepEqual(f.chunk_offsets_ms, [100, 112.5]);
  assert.deepEqual(f.chunk_tokens, [2, 1]);
  assert.equal(f.chunk_token_source, "events");
  assert.equal(f.multi_token_chunks, 1);
  // With the model's tokenizer the chunk texts are counted instead.
  const counted = chunkFields(c, 900, { countTokens: (t) => t.trim().split(/\s+/).length });
  assert.deepEqual([counted.chunk_tokens, counted.chunk_token_source], [[1, 1], "tokenizer"]);
  // As many chunks as output tokens: one token each, exactly.
  const exact = chunkFields(c, 900, { countTokens: () => 5, outputTokens: 2 });
  assert.deepEqual([exact.chunk_tokens, exact.chunk_token_source], [[1, 1], "count"]);
  assert.deepEqual(chunkFields(new ChunkRecorder(), 0).chunk_offsets_ms, null);
});

Deno.test("interChunkGaps() excludes the first chunk (TTFT) and keeps every later gap", () => {
  assert.deepEqual(interChunkGaps([250, 270, 300, 300.5]), [20, 30, 0.5]);
  assert.deepEqual(interChunkGaps([250]), []);
  assert.deepEqual(interChunkGaps(null), []);
});

Deno.test("latencyPercentiles() gives the hand-computed type-7 p50/p90/p99 of TTFT, pooled ITL and E2E", () => {
  // Gaps pooled: request A [10, 20], request B [20, 30, 40] → sorted 10 20 20 30 40.
  // p50: h = 4·0.5 = 2 → 20; p90: h = 3.6 → 30 + 0.6·10 = 36; p99: h = 3.96 → 30 + 0.96·10 = 39.6.
  // TTFT 100, 200: p50 = 150, p90 = 190, p99 = 199. E2E 130, 290: p50 = 210.
  const p = latencyPercentiles([
    { ttft_ms: 100, e2e_ms: 130, chunk_offsets_ms: [100, 110, 130], chunk_tokens: [1, 1, 1] },
    {
      ttft_ms: 200,
      e2e_ms: 290,
      chunk_offsets_ms: [200, 220, 250, 290],
      chunk_tokens: [1, 2, 1, 1],
    },
  ]);
  const close = (a: number | null, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);
  close(p.itl_ms.p50.value, 20);
  close(p.itl_ms.p90.value, 36);
  close(p.itl_ms.p99.value, 39.6);
  close(p.ttft_ms.p50.value, 150);
  close(p.ttft_ms.p90.value, 190);
  close(p.ttft_ms.p99.value, 199);
  close(p.e2e_ms.p50.value, 210);
  assert.deepEqual(
    [p.itl_gaps, p.itl_requests, p.chunks, p.multi_token_chunks, p.multi_token_gaps],
    [5, 2, 7, 1, 1],
  );
  for (const set of [p.ttft_ms, p.itl_ms, p.e2e_ms]) {
    for (const e of [set.p50, set.p90, set.p99]) {
      assert.equal(e.ci_method, "percentile_bootstrap");
      assert.ok(
        e.ci95![0] <= e.value! && e.value! <= e.ci95![1],
        "the interval holds its estimate",
      );
    }
  }
});

Deno.test("clusterQuantiles() resamples whole requests: identical requests give a zero-width interval", () => {
  const [p50, p90] = clusterQuantiles([[5, 10, 15], [5, 10, 15], [5, 10, 15]], [0.5, 0.9]);
  assert.deepEqual([p50.value, p50.ci95], [10, [10, 10]]);
  assert.deepEqual([p90.value, p90.ci95], [15, [15, 15]]);
  const [none] = clusterQuantiles([[], []], [0.5]);
  assert.deepEqual([none.value, none.ci95], [null, null]);
});

/** Seeded lognormal values (skewed like latencies). */
function lognormal(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - random();
    const v = random();
    return Math.exp(3 + 0.6 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  });
}

const width = (e: { ci95: [number, number] | null }) => e.ci95![1] - e.ci95![0];

Deno.test("clusterQuantiles() switches to Woodruff's interval where the bootstrap would pass its work limit, and both agree there", () => {
  // 2000 resamples × (m + total): 4,999 single values stay under 2·10⁷, 5,001 pass it.
  assert.equal(BOOTSTRAP_WORK_LIMIT, 2e7);
  assert.equal(clusterQuantileMethod(lognormal(4999, 1).map((x) => [x])), "percentile_bootstrap");
  assert.equal(clusterQuantileMethod(lognormal(5001, 1).map((x) => [x])), "woodruff");
  const groups = lognormal(6000, 2).map((x) => [x]);
  const auto = clusterQuantiles(groups, [0.5, 0.9, 0.99]);
  const boot = clusterQuantiles(groups, [0.5, 0.9, 0.99], { method: "percentile_bootstrap" });
  auto.forEach((w, k) => {
    assert.equal(w.ci_method, "woodruff");
    assert.equal(boot[k].ci_method, "percentile_bootstrap");
    assert.equal(w.value, boot[k].value);
    assert.ok(w.ci95![0] <= w.value! && w.value! <= w.ci95![1]);
    // Same interval to within the bootstrap's Monte Carlo error (measured: widths within 8 %,
    // ends within 0.07 of a width): widths within 15 %, ends within 0.15 of a width.
    const ratio = width(w) / width(boot[k]);
    assert.ok(ratio > 0.85 && ratio < 1.15, `level ${k}: width ratio ${ratio}`);
    for (const e of [0, 1]) {
      const gap = Math.abs(w.ci95![e] - boot[k].ci95![e]);
      assert.ok(gap < 0.15 * width(boot[k]), `level ${k} end ${e}: ${gap}`);
    }
  });
});

Deno.test("Woodruff's interval over one value per request is the hand-computed one", () => {
  // Values 1..101 in a shuffled order: the type-7 quantile at p is 1 + 100·p; at the estimate a
  // share F of the values is at or below it, se = √(F·(1 − F)·m/(m − 1)) / √m, and the interval is
  // the quantiles at p ∓ 1.959964·se.
  const m = 101;
  const random = seededRandom(11);
  const xs = Array.from({ length: m }, (_, i) => i + 1).sort(() => random() - 0.5);
  const levels = [0.5, 0.9, 0.99];
  const est = clusterQuantiles(xs.map((x) => [x]), levels, { method: "woodruff" });
  levels.forEach((p, k) => {
    const value = 1 + 100 * p;
    const share = Math.floor(value) / m;
    const se = Math.sqrt(share * (1 - share) * m / (m - 1)) / Math.sqrt(m);
    const q = (level: number) => 1 + 100 * Math.min(1, Math.max(0, level));
    assert.ok(Math.abs(est[k].value! - value) < 1e-9, `p${p}`);
    assert.ok(Math.abs(est[k].ci95![0] - q(p - 1.959964 * se)) < 1e-4, `p${p} low`);
    assert.ok(Math.abs(est[k].ci95![1] - q(p + 1.959964 * se)) < 1e-4, `p${p} high`);
    assert.equal(est[k].ci_method, "woodruff");
  });
});

Deno.test("woodruffOfSorted() over sorted values is clusterQuantiles() with one value per group (ties, 0 to 20,000 values)", () => {
  const random = seededRandom(23);
  for (const n of [0, 1, 2, 3, 17, 1000, 20_000]) {
    // Lognormal-ish times rounded to 0.1 ms: many ties.
    const xs = Array.from({ length: n }, () => Math.round(Math.exp(4 + random()) * 10) / 10);
    const levels = [0.5, 0.9, 0.99, 0.999];
    const sorted = Float64Array.from(xs).sort();
    assert.deepEqual(
      woodruffOfSorted(sorted, levels, 0.9),
      clusterQuantiles(xs.map((x) => [x]), levels, { method: "woodruff", confidence: 0.9 }),
      `n = ${n}`,
    );
  }
});

Deno.test("Woodruff's interval keeps a request's gaps together: correlated gaps give the cluster bootstrap's width, not the independent one's", () => {
  // 300 requests of 100 equal gaps each (the request's speed sets all its gaps).
  const speeds = lognormal(300, 3);
  const clustered = speeds.map((x) => Array.from({ length: 100 }, () => x));
  const independent = clustered.flat().map((x) => [x]);
  const [w] = clusterQuantiles(clustered, [0.5], { method: "woodruff" });
  const [b] = clusterQuantiles(clustered, [0.5], { method: "percentile_bootstrap" });
  const [iid] = clusterQuantiles(independent, [0.5], { method: "woodruff" });
  assert.equal(w.value, iid.value);
  // The design effect of 100 identical gaps is 100: the cluster interval is at least 10× wider
  // (measured 19×), and as wide as the cluster bootstrap's (measured within 2 %).
  assert.ok(width(w) > 10 * width(iid), `cluster ${width(w)}, independent ${width(iid)}`);
  const ratio = width(w) / width(b);
  assert.ok(ratio > 0.85 && ratio < 1.15, `Woodruff ${width(w)}, cluster bootstrap ${width(b)}`);
});

async function runScripted(server: CachingServerOptions, runs: number, maxTokens = 12) {
  const s = startCachingServer(server);
  const dir = await Deno.makeTempDir({ prefix: "perf-itl-cfg-" });
  try {
    await Deno.copyFile(join(ROOT, "configs", "experiment.yaml"), join(dir, "experiment.yaml"));
    await Deno.writeTextFile(
      join(dir, "scenarios.yaml"),
      `scenarios:
  gaps:
    description: A short prompt whose answer the scripted server streams with fixed gaps
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: ${maxTokens}
`,
    );
    await Deno.writeTextFile(
      join(dir, "models.yaml"),
      `models:
  scripted:
    backend: openai
    name: scripted llama-server
    model_id: scripted
    format: GGUF
    quantization: F32
    base_url: ${s.baseUrl}
`,
    );
    const prepared = await preparePerf({
      models: "scripted",
      scenarios: "gaps",
      overrides: { runs, warmup: 0 },
      configDir: dir,
      resultsDir: await Deno.makeTempDir({ prefix: "perf-itl-res-" }),
    });
    const events: PerfEvent[] = [];
    const result = await executePerf(prepared, {
      onEvent: (e) => events.push(e),
      captureEnvironment: noEnvironment,
    });
    const records = events.filter((e) => e.type === "request_done").map((e) =>
      (e as { record: PerfRecord }).record
    );
    return { result, records };
  } finally {
    await s.stop();
  }
}

/** Type-7 quantile, written out again here so the test does not reuse the code it checks. */
function q7(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < x.length ? x[lo] + (h - lo) * (x[lo + 1] - x[lo]) : x[lo];
}

Deno.test("a scripted server's fixed 25 ms gaps come back as the records' ITL, and the summary's p50/p90/p99 are those of the pooled gaps", async () => {
  const { result, records } = await runScripted({ gapMs: 25, outputTokens: 10 }, 6);
  assert.equal(result.complete, true);
  assert.equal(records.length, 6);
  const gaps: number[] = [];
  for (const r of records) {
    assert.equal(r.chunk_offsets_ms!.length, 10, "one chunk per scripted event");
    assert.equal(r.chunk_offsets_ms![0], Math.round(r.ttft_ms! * 1000) / 1000, "offset 0 is TTFT");
    assert.ok(Math.abs(r.chunk_offsets_ms!.at(-1)! - r.e2e_ms!) < 0.002, "the last offset is E2E");
    assert.deepEqual(r.chunk_tokens, Array(10).fill(1));
    assert.equal(r.multi_token_chunks, 0);
    gaps.push(...interChunkGaps(r.chunk_offsets_ms));
  }
  assert.equal(gaps.length, 6 * 9, "n chunks give n − 1 gaps, the first chunk excluded");
  // Timers fire no earlier than asked, but on a loaded machine the client may read one chunk a
  // few milliseconds late, which lengthens that gap and shortens the next: each gap is near 25 ms
  // and their median is 25 ms to within a few.
  for (const g of gaps) assert.ok(g >= 12 && g < 60, `gap ${g} ms, scripted 25 ms`);
  assert.ok(Math.abs(q7(gaps, 0.5) - 25) < 4, `median gap ${q7(gaps, 0.5)} ms`);
  const summary = result.summaries[0];
  for (
    const [p, e] of [[0.5, summary.latency.itl_ms.p50], [0.9, summary.latency.itl_ms.p90], [
      0.99,
      summary.latency.itl_ms.p99,
    ]] as const
  ) {
    assert.ok(Math.abs(e.value! - q7(gaps, p)) < 1e-9, `p${p * 100}: ${e.value} vs ${q7(gaps, p)}`);
  }
  assert.ok(Math.abs(summary.latency.itl_ms.p50.value! - 25) < 8);
  const ttft = records.map((r) => r.ttft_ms!);
  assert.ok(Math.abs(summary.latency.ttft_ms.p90.value! - q7(ttft, 0.9)) < 1e-9);
  assert.equal(summary.latency.itl_gaps, 54);
  assert.equal(summary.latency.multi_token_chunks, 0);
});

Deno.test("chunks a server writes together are one chunk of two tokens, flagged, and their gap is not counted as per-token", async () => {
  const { records, result } = await runScripted(
    { gapMs: 15, outputTokens: 8, coalesce: [3] },
    2,
  );
  for (const r of records) {
    assert.equal(r.chunk_offsets_ms!.length, 7, "8 events arrive as 7 chunks");
    assert.deepEqual(r.chunk_tokens, [1, 1, 1, 2, 1, 1, 1]);
    assert.equal(r.multi_token_chunks, 1);
    assert.equal(r.output_tokens, 8, "the server's usage still counts 8 tokens");
  }
  assert.equal(result.summaries[0].latency.multi_token_chunks, 2);
  assert.equal(result.summaries[0].latency.multi_token_gaps, 2);
});
