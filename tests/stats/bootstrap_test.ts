import assert from "node:assert/strict";
import {
  bootstrapCi,
  median,
  medianCi,
  p90,
  p90Ci,
  quantile,
  seededRandom,
} from "../../lib/stats/mod.ts";

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const DATA = [12.1, 9.8, 11.4, 15.2, 10.3, 13.7, 9.1, 14.8, 12.9, 10.8, 11.7, 16.4];

Deno.test("bootstrapCi() is deterministic for a seed and reports its defaults", () => {
  const first = bootstrapCi(DATA, median);
  const second = bootstrapCi(DATA, median);
  assert.deepEqual(first, second);
  assert.equal(first.seed, 42);
  assert.equal(first.resamples, 2000);
  assert.equal(first.confidence, 0.95);
  assert.equal(first.n, DATA.length);
  assert.equal(first.estimate, median(DATA));
});

Deno.test("bootstrapCi() draws other resamples for another seed", () => {
  const a = bootstrapCi(DATA, mean, { seed: 1 });
  const b = bootstrapCi(DATA, mean, { seed: 2 });
  assert.equal(a.estimate, b.estimate);
  assert.notDeepEqual(a.ci95, b.ci95);
});

Deno.test("bootstrapCi() returns the type-7 quantiles of the resampled statistics", () => {
  const seen: number[] = [];
  const result = bootstrapCi(DATA, (sample) => {
    const value = mean(sample);
    seen.push(value);
    return value;
  }, { resamples: 500, confidence: 0.9 });
  // First call is the full sample; the next 500 are the resamples.
  assert.equal(seen.length, 501);
  const resampled = seen.slice(1);
  assert.deepEqual(result.ci95, [quantile(resampled, 0.05), quantile(resampled, 0.95)]);
});

Deno.test("bootstrapCi() resamples indices drawn from seededRandom(seed)", () => {
  const values = [10, 20, 30, 40, 50];
  const samples: number[][] = [];
  bootstrapCi(values, (sample) => {
    samples.push([...sample]);
    return 0;
  }, { seed: 7, resamples: 1 });
  const random = seededRandom(7);
  const expected = values.map(() => values[Math.floor(random() * values.length)]);
  assert.deepEqual(samples[1], expected);
});

Deno.test("bootstrapCi() of the mean of [0, 1] spans [0, 1]", () => {
  // A resample of two draws has mean 0 (p = ¼), ½ (p = ½) or 1 (p = ¼): about 500 of 2000
  // resamples sit at each end, so the 2.5 % and 97.5 % quantiles are 0 and 1.
  assert.deepEqual(bootstrapCi([0, 1], mean).ci95, [0, 1]);
});

Deno.test("bootstrapCi() returns a zero-width interval for n=1", () => {
  const result = bootstrapCi([7], mean);
  assert.equal(result.estimate, 7);
  assert.deepEqual(result.ci95, [7, 7]);
});

Deno.test("bootstrapCi() returns a zero-width interval when every value ties", () => {
  assert.deepEqual(medianCi([5, 5, 5, 5]).ci95, [5, 5]);
});

Deno.test("bootstrapCi() returns null estimate and interval for n=0 without calling the statistic", () => {
  let calls = 0;
  const result = bootstrapCi([], () => ++calls);
  assert.equal(calls, 0);
  assert.deepEqual(result, {
    n: 0,
    estimate: null,
    ci95: null,
    method: "percentile_bootstrap",
    resamples: 2000,
    seed: 42,
    confidence: 0.95,
  });
});

Deno.test("medianCi() and p90Ci() estimate the median and p90 and bracket them", () => {
  const m = medianCi(DATA);
  const p = p90Ci(DATA, { seed: 9 });
  assert.equal(m.estimate, median(DATA));
  assert.equal(p.estimate, p90(DATA));
  assert.equal(p.seed, 9);
  for (const r of [m, p]) {
    assert.ok(r.ci95 && r.ci95[0] <= r.estimate! && r.estimate! <= r.ci95[1], JSON.stringify(r));
    assert.ok(r.ci95[0] >= Math.min(...DATA) && r.ci95[1] <= Math.max(...DATA));
  }
  // A wider level never gives a narrower interval from the same resamples.
  const wide = medianCi(DATA, { confidence: 0.99 });
  assert.ok(wide.ci95![0] <= m.ci95![0] && wide.ci95![1] >= m.ci95![1]);
});

Deno.test("bootstrapCi() rejects a statistic that returns a non-finite number", () => {
  assert.throws(() => bootstrapCi([1, 2], () => NaN), {
    name: "RangeError",
    message:
      "bootstrapCi() needs a statistic that returns a finite number: on the full sample it returned NaN",
  });
});

Deno.test("bootstrapCi() rejects bad values, seeds and resample counts", () => {
  assert.throws(() => medianCi([1, NaN]), {
    name: "RangeError",
    message: "medianCi() needs finite numbers: values[1] is NaN",
  });
  assert.throws(() => bootstrapCi([1], mean, { resamples: 0 }), {
    name: "RangeError",
    message: "bootstrapCi() needs 'resamples' to be an integer >= 1: current value is 0",
  });
  assert.throws(() => bootstrapCi([1], mean, { seed: 0.5 }), {
    name: "RangeError",
    message: /needs 'seed' to be an integer >= -9007199254740991: current value is 0.5/,
  });
});
