import assert from "node:assert/strict";
import { meanCi, medianCi, p90Ci, summarize } from "../../lib/stats/mod.ts";

const TTFT = [212, 198, 240, 205, 221, 199, 230, 215, 208, 260];

Deno.test("summarize() combines the t interval, bootstrap intervals, min, max and n", () => {
  const summary = summarize(TTFT, { seed: 3 });
  const mean = meanCi(TTFT);
  const median = medianCi(TTFT, { seed: 3 });
  const p90 = p90Ci(TTFT, { seed: 3 });
  assert.deepEqual(summary, {
    n: 10,
    mean: { value: mean.mean, ci95: mean.ci95 },
    sd: mean.sd,
    median: { value: median.estimate, ci95: median.ci95 },
    p90: { value: p90.estimate, ci95: p90.ci95 },
    min: 198,
    max: 260,
    confidence: 0.95,
    seed: 3,
    resamples: 2000,
  });
  // Sorted: 198 199 205 208 212 215 221 230 240 260.
  // mean = 2188/10; median = (212 + 215)/2; p90: h = 8.1 → 240 + 0.1·(260 − 240) = 242.
  assert.equal(summary.mean.value, 218.8);
  assert.equal(summary.median.value, 213.5);
  assert.equal(summary.p90.value, 242);
});

Deno.test("summarize() passes the confidence level to every interval", () => {
  const summary = summarize(TTFT, { confidence: 0.8, resamples: 300 });
  assert.equal(summary.confidence, 0.8);
  assert.equal(summary.resamples, 300);
  assert.deepEqual(summary.mean.ci95, meanCi(TTFT, { confidence: 0.8 }).ci95);
  assert.deepEqual(
    summary.median.ci95,
    medianCi(TTFT, { confidence: 0.8, resamples: 300 }).ci95,
  );
});

Deno.test("summarize() returns nulls everywhere for n=0", () => {
  assert.deepEqual(summarize([]), {
    n: 0,
    mean: { value: null, ci95: null },
    sd: null,
    median: { value: null, ci95: null },
    p90: { value: null, ci95: null },
    min: null,
    max: null,
    confidence: 0.95,
    seed: 42,
    resamples: 2000,
  });
});

Deno.test("summarize() gives a null mean interval and zero-width quantile intervals for n=1", () => {
  const summary = summarize([120]);
  assert.deepEqual(summary.mean, { value: 120, ci95: null });
  assert.deepEqual(summary.median, { value: 120, ci95: [120, 120] });
  assert.deepEqual(summary.p90, { value: 120, ci95: [120, 120] });
  assert.equal(summary.min, 120);
  assert.equal(summary.max, 120);
});

Deno.test("summarize() rejects non-finite values naming the index", () => {
  assert.throws(() => summarize([1, 2, Infinity]), {
    name: "RangeError",
    message: "summarize() needs finite numbers: values[2] is Infinity",
  });
});
