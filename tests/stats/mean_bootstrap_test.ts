import assert from "node:assert/strict";
import {
  bcaLevels,
  bootstrapCi,
  meanBootstrapCi,
  meanCi,
  normalCdf,
  normalQuantile,
} from "../../lib/stats/mod.ts";

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("meanBootstrapCi() is seeded and deterministic and names its method", () => {
  const xs = [212, 198, 240, 205, 221, 199, 230, 215, 208, 260];
  const a = meanBootstrapCi(xs);
  assert.deepEqual(meanBootstrapCi(xs), a);
  assert.equal(a.mean, 218.8);
  assert.equal(a.method, "bca_bootstrap");
  assert.deepEqual([a.seed, a.resamples, a.confidence], [42, 2000, 0.95]);
  assert.notDeepEqual(meanBootstrapCi(xs, { seed: 1 }).ci95, a.ci95);
  assert.equal(a.sd, meanCi(xs).sd);
});

Deno.test("meanBootstrapCi() keeps a skewed positive time's interval inside [min, max]", () => {
  // The t interval of these TTFTs is [-102.0, 270.0] ms.
  const ttft = [8, 7, 9, 8, 540, 7, 9];
  assert.ok(meanCi(ttft).ci95![0] < 0);
  const { mean: m, ci95 } = meanBootstrapCi(ttft, { range: [0, Infinity] });
  assert.ok(ci95![0] >= 7 && ci95![0] <= m! && m! <= ci95![1] && ci95![1] <= 540);
});

Deno.test("meanBootstrapCi() keeps a ROUGE mean with many zeros inside [0, 1]", () => {
  // ROUGE-1 of 12 summaries, most empty: the t interval is [-0.034, 0.176].
  const rouge = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.43, 0.42];
  assert.ok(meanCi(rouge).ci95![0] < 0);
  const { ci95 } = meanBootstrapCi(rouge, { range: [0, 1] });
  assert.ok(ci95![0] >= 0 && ci95![1] <= 1 && ci95![0] <= mean(rouge));
});

Deno.test("meanBootstrapCi() returns no interval for n < 2 and zero width for identical values", () => {
  assert.deepEqual(
    [meanBootstrapCi([]).mean, meanBootstrapCi([]).ci95, meanBootstrapCi([]).sd],
    [null, null, null],
  );
  assert.deepEqual([meanBootstrapCi([5]).mean, meanBootstrapCi([5]).ci95], [5, null]);
  assert.deepEqual(meanBootstrapCi([5, 5, 5]).ci95, [5, 5]);
});

Deno.test("meanBootstrapCi() widens small samples beyond the plain percentile interval", () => {
  const xs = [3.1, 4.7, 2.2, 5.9, 4.1];
  const percentile = bootstrapCi(xs, mean).ci95!;
  const bca = meanBootstrapCi(xs).ci95!;
  assert.ok(bca[1] - bca[0] > percentile[1] - percentile[0]);
});

Deno.test("meanBootstrapCi() above its bootstrap limit uses the t interval, named t, inside the values", () => {
  const xs = Array.from({ length: 50 }, (_, i) => (i === 0 ? 400 : 1 + (i % 3)));
  const big = meanBootstrapCi(xs, { bootstrapLimit: 40 });
  const t = meanCi(xs).ci95!;
  assert.equal(big.method, "t");
  assert.deepEqual(big.ci95, [Math.max(t[0], 1), t[1]]);
  assert.ok(t[0] < 1, "the plain t interval leaves the values' range");
});

Deno.test("meanBootstrapCi() rejects values outside the range and a reversed range", () => {
  assert.throws(() => meanBootstrapCi([0.5, 1.2], { range: [0, 1] }), {
    name: "RangeError",
    message: "meanBootstrapCi() needs values inside [0, 1]: values[1] is 1.2",
  });
  // In a large array too, and a non-finite value is named before an earlier out-of-range one.
  const many = Array.from({ length: 5000 }, (_, i) => i / 5000);
  many[4000] = 1.5;
  assert.throws(() => meanBootstrapCi(many, { range: [0, 1] }), {
    message: "meanBootstrapCi() needs values inside [0, 1]: values[4000] is 1.5",
  });
  many[4500] = NaN;
  assert.throws(() => meanBootstrapCi(many, { range: [0, 1] }), {
    message: "meanBootstrapCi() needs finite numbers: values[4500] is NaN",
  });
  assert.throws(() => meanBootstrapCi([1], { range: [1, 0] }), {
    name: "RangeError",
    message:
      "meanBootstrapCi() needs a range [low, high] with low <= high: current value is [1, 0]",
  });
});

Deno.test("bcaLevels() gives the percentile levels without bias or skew and large n", () => {
  // A symmetric bootstrap distribution centred on the estimate, a symmetric jackknife.
  const sorted = Float64Array.from({ length: 1001 }, (_, i) => i - 500).sort();
  const [lo, hi] = bcaLevels(sorted, 0, [-1, 1, -2, 2], 0.95);
  assert.ok(Math.abs(lo - 0.025) < 1e-3 && Math.abs(hi - 0.975) < 1e-3, `${lo} ${hi}`);
});

Deno.test("bootstrapCi() with method bca contains its estimate and names its method", () => {
  const xs = [1, 2, 2, 3, 3, 3, 10];
  const r = bootstrapCi(xs, mean, { method: "bca" });
  assert.equal(r.method, "bca_bootstrap");
  assert.ok(r.ci95![0] <= r.estimate! && r.estimate! <= r.ci95![1]);
  assert.throws(() => bootstrapCi(xs, mean, { method: "bogus" as "bca" }), {
    name: "RangeError",
    message: 'bootstrapCi() needs method "percentile" or "bca": current value is "bogus"',
  });
});

Deno.test("normalCdf() inverts normalQuantile() and is symmetric", () => {
  for (const p of [0.001, 0.025, 0.3, 0.5, 0.9, 0.999]) {
    assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-12, String(p));
  }
  assert.equal(normalCdf(0), 0.5);
  assert.ok(Math.abs(normalCdf(-1.3) + normalCdf(1.3) - 1) < 1e-15);
  assert.deepEqual([normalCdf(-Infinity), normalCdf(Infinity)], [0, 1]);
});
