import assert from "node:assert/strict";
import { meanBootstrapCi, medianCi, p90Ci, summarize } from "../../lib/stats/mod.ts";

const TTFT = [212, 198, 240, 205, 221, 199, 230, 215, 208, 260];

Deno.test("summarize() combines the BCa mean interval, percentile quantile intervals, min, max and n", () => {
  const summary = summarize(TTFT, { seed: 3 });
  const mean = meanBootstrapCi(TTFT, { seed: 3 });
  const median = medianCi(TTFT, { seed: 3 });
  const p90 = p90Ci(TTFT, { seed: 3 });
  assert.deepEqual(summary, {
    n: 10,
    mean: { value: mean.mean, ci95: mean.ci95, ci_method: "bca_bootstrap" },
    sd: mean.sd,
    median: { value: median.estimate, ci95: median.ci95, ci_method: "percentile_bootstrap" },
    p90: { value: p90.estimate, ci95: p90.ci95, ci_method: "percentile_bootstrap" },
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
  assert.deepEqual(
    summary.mean.ci95,
    meanBootstrapCi(TTFT, { confidence: 0.8, resamples: 300 }).ci95,
  );
  assert.deepEqual(
    summary.median.ci95,
    medianCi(TTFT, { confidence: 0.8, resamples: 300 }).ci95,
  );
});

Deno.test("summarize() returns nulls everywhere for n=0", () => {
  assert.deepEqual(summarize([]), {
    n: 0,
    mean: { value: null, ci95: null, ci_method: "bca_bootstrap" },
    sd: null,
    median: { value: null, ci95: null, ci_method: "percentile_bootstrap" },
    p90: { value: null, ci95: null, ci_method: "percentile_bootstrap" },
    min: null,
    max: null,
    confidence: 0.95,
    seed: 42,
    resamples: 2000,
  });
});

Deno.test("summarize() gives a null mean interval and zero-width quantile intervals for n=1", () => {
  const summary = summarize([120]);
  assert.deepEqual(summary.mean, { value: 120, ci95: null, ci_method: "bca_bootstrap" });
  assert.deepEqual(summary.median.ci95, [120, 120]);
  assert.deepEqual(summary.p90.ci95, [120, 120]);
  assert.equal(summary.min, 120);
  assert.equal(summary.max, 120);
});

Deno.test("summarize() keeps the mean interval of a skewed positive time above 0", () => {
  // TTFT with one cold outlier: the t interval of these values is [-181.0, 409.8] ms.
  const ttft = [8, 7, 9, 8, 540];
  const summary = summarize(ttft, { range: [0, Infinity] });
  const [lo, hi] = summary.mean.ci95!;
  assert.ok(lo >= 7 && lo <= summary.mean.value! && hi >= summary.mean.value! && hi <= 540);
});

Deno.test("summarize() rejects a value outside the given range", () => {
  assert.throws(() => summarize([3, -1], { range: [0, Infinity] }), {
    name: "RangeError",
    message: "meanBootstrapCi() needs values inside [0, Infinity]: values[1] is -1",
  });
});

Deno.test("summarize() rejects non-finite values naming the index", () => {
  assert.throws(() => summarize([1, 2, Infinity]), {
    name: "RangeError",
    message: "summarize() needs finite numbers: values[2] is Infinity",
  });
});
