import assert from "node:assert/strict";
import {
  macroF1,
  macroF1DifferenceCi,
  mcnemarTest,
  normalCdf,
  pairedCounts,
  pairedProportionDifferenceCi,
  perClassF1,
  perClassF1Ci,
  proportionDifferenceCi,
  seededRandom,
} from "../../lib/stats/mod.ts";

Deno.test("pairedCounts() tallies the 2×2 table of two aligned outcome arrays", () => {
  assert.deepEqual(
    pairedCounts([true, true, false, false, true], [true, false, true, false, true]),
    { both: 2, a_only: 1, b_only: 1, neither: 1 },
  );
  assert.throws(() => pairedCounts([true], []), {
    name: "RangeError",
    message:
      "pairedCounts() needs two outcome arrays of the same length: current lengths are 1 and 0",
  });
});

Deno.test("mcnemarTest() is the exact binomial test below 25 discordant samples", () => {
  // 1 vs 7: 2·(C(8,0) + C(8,1))/2^8.
  assert.deepEqual(mcnemarTest(1, 7), { p_value: 18 / 256, test: "mcnemar_exact" });
  assert.deepEqual(mcnemarTest(0, 0), { p_value: 1, test: "mcnemar_exact" });
  assert.deepEqual(mcnemarTest(4, 4), { p_value: 1, test: "mcnemar_exact" });
  // 10 vs 20: the score statistic 10/√30 against the normal.
  const big = mcnemarTest(10, 20);
  assert.equal(big.test, "mcnemar");
  assert.ok(Math.abs(big.p_value - 2 * (1 - normalCdf(10 / Math.sqrt(30)))) < 1e-15);
});

Deno.test("pairedProportionDifferenceCi() gives Tango's ±z²/(n + z²) with no discordant sample", () => {
  const z2 = 1.959963984540054 ** 2;
  const d = pairedProportionDifferenceCi({ both: 60, a_only: 0, b_only: 0, neither: 40 });
  assert.equal(d.value, 0);
  assert.ok(
    Math.abs(d.ci95![1] - z2 / (100 + z2)) < 1e-9 && Math.abs(d.ci95![0] + d.ci95![1]) < 1e-9,
  );
  assert.deepEqual([d.significant, d.p_value, d.method, d.discordant], [
    false,
    1,
    "tango_score",
    0,
  ]);
});

Deno.test("pairedProportionDifferenceCi() bounds solve the score equation |T(Δ)| = z", () => {
  const counts = { both: 40, a_only: 5, b_only: 12, neither: 43 };
  const n = 100, x = 12, y = 5;
  const d = pairedProportionDifferenceCi(counts);
  const score = (delta: number) => {
    const w = -x - y + (2 * n - x + y) * delta;
    const pi = (-w + Math.sqrt(w * w + 8 * n * y * delta * (1 - delta))) / (4 * n);
    return (x - y - n * delta) / Math.sqrt(n * (2 * pi + delta * (1 - delta)));
  };
  assert.equal(d.value, 0.07);
  assert.ok(Math.abs(score(d.ci95![0]) - 1.959963984540054) < 1e-6);
  assert.ok(Math.abs(score(d.ci95![1]) + 1.959963984540054) < 1e-6);
  assert.ok(Math.abs(d.relative! - 0.07 / 0.45) < 1e-12);
});

Deno.test("pairedProportionDifferenceCi() is antisymmetric and stays inside [-1, 1]", () => {
  const ab = pairedProportionDifferenceCi({ both: 3, a_only: 2, b_only: 9, neither: 6 });
  const ba = pairedProportionDifferenceCi({ both: 3, a_only: 9, b_only: 2, neither: 6 });
  assert.ok(
    Math.abs(ab.ci95![0] + ba.ci95![1]) < 1e-9 && Math.abs(ab.ci95![1] + ba.ci95![0]) < 1e-9,
  );
  const all = pairedProportionDifferenceCi({ both: 0, a_only: 0, b_only: 10, neither: 0 });
  assert.equal(all.value, 1);
  assert.equal(all.ci95![1], 1);
  assert.ok(all.ci95![0] > 0 && all.significant);
});

Deno.test("pairedProportionDifferenceCi() finds a change the unpaired interval misses", () => {
  // 100 samples; B fixes 9 answers A got wrong and breaks 1: 0.70 → 0.78 on the same samples.
  const counts = { both: 69, a_only: 1, b_only: 9, neither: 21 };
  const paired = pairedProportionDifferenceCi(counts);
  const unpaired = proportionDifferenceCi({ successes: 70, n: 100 }, { successes: 78, n: 100 });
  assert.ok(Math.abs(paired.value! - 0.08) < 1e-12);
  assert.equal(paired.significant, true); // exact McNemar: 2·(1 + 10)/1024 ≈ 0.021
  assert.equal(unpaired.significant, false);
  assert.ok(paired.ci95![1] - paired.ci95![0] < unpaired.ci95![1] - unpaired.ci95![0]);
});

Deno.test("pairedProportionDifferenceCi() returns nulls for n = 0 and rejects bad counts", () => {
  const d = pairedProportionDifferenceCi({ both: 0, a_only: 0, b_only: 0, neither: 0 });
  assert.deepEqual([d.value, d.ci95, d.p_value, d.significant], [null, null, null, false]);
  assert.throws(
    () => pairedProportionDifferenceCi({ both: 1, a_only: -1, b_only: 0, neither: 0 }),
    {
      name: "RangeError",
      message:
        "pairedProportionDifferenceCi() needs 'a_only' to be an integer >= 0: current value is -1",
    },
  );
});

function run(seed: number, n: number, accuracy: number) {
  const random = seededRandom(seed);
  const labels = ["negative", "neutral", "positive"];
  const refs = Array.from({ length: n }, (_, i) => labels[i % 3]);
  const preds = refs.map((r, i) => (random() < accuracy ? r : labels[(i + 1) % 3]));
  return { labels, refs, preds };
}

Deno.test("macroF1DifferenceCi() of a run with itself is [0, 0]; of another run, it holds the difference", () => {
  const { labels, refs, preds } = run(1, 90, 0.7);
  const same = macroF1DifferenceCi(refs, preds, preds, { labels });
  assert.deepEqual([same.value, same.ci95, same.significant], [0, [0, 0], false]);
  const better = refs.map((r, i) => (i % 4 === 0 ? r : preds[i]));
  const d = macroF1DifferenceCi(refs, preds, better, { labels });
  const expected = macroF1(refs, better, { labels })! - macroF1(refs, preds, { labels })!;
  assert.ok(Math.abs(d.value! - expected) < 1e-12);
  assert.ok(d.ci95![0] <= d.value! && d.value! <= d.ci95![1]);
  assert.equal(d.method, "paired_bca_bootstrap");
  assert.equal(d.n, 90);
});

Deno.test("perClassF1Ci() gives each class's F1 an interval containing it, inside [0, 1]", () => {
  const { labels, refs, preds } = run(2, 60, 0.6);
  const withAbsent = [...labels, "unused"];
  const cis = perClassF1Ci(refs, preds, { labels: withAbsent });
  const points = perClassF1(refs, preds, { labels: withAbsent });
  assert.deepEqual(cis.map((c) => c.label), withAbsent);
  for (const [i, c] of cis.slice(0, 3).entries()) {
    assert.equal(c.f1, points[i].f1);
    assert.ok(c.ci95![0] >= 0 && c.ci95![0] <= c.f1 && c.f1 <= c.ci95![1] && c.ci95![1] <= 1);
    assert.equal(c.method, "bca_bootstrap");
  }
  assert.equal(cis[3].ci95, null);
  // A class that is always right has [1, 1].
  const perfect = perClassF1Ci(refs, refs, { labels });
  assert.deepEqual(perfect.map((c) => c.ci95), [[1, 1], [1, 1], [1, 1]]);
});
