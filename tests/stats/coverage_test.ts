/**
 * Coverage of every interval method on known truths, with loose bounds and fixed seeds (the full
 * table with its figures is `deno task bench:coverage`). Small replicate counts keep this fast; the
 * bounds leave room for their Monte Carlo error (about ±3 points at 150 replicates).
 */
import assert from "node:assert/strict";
import {
  BOUNDED_DISTRIBUTIONS,
  macroF1Coverage,
  macroF1Truths,
  meanCoverage,
  PAIRED_TRUTHS,
  pairedCoverage,
  pairedMacroF1Coverage,
  pairedMacroF1Truths,
  TIME_DISTRIBUTIONS,
  wilsonCoverage,
} from "./_coverage.ts";

const FAST = { replicates: 150, resamples: 500, seed: 1 };
const find = <T extends { method: string; scenario: string; n: number }>(
  rows: readonly T[],
  method: string,
  scenario: string,
  n: number,
) => rows.find((r) => r.method === method && r.scenario.startsWith(scenario) && r.n === n)!;

Deno.test("Wilson intervals hold the true rate about 95 % of the time (exact)", () => {
  const rows = wilsonCoverage([0.1, 0.5, 0.9], [30, 100]);
  for (const r of rows) {
    assert.ok(r.coverage > 0.92 && r.coverage < 0.99, `${r.scenario} n=${r.n}: ${r.coverage}`);
    assert.equal(r.outside_range, 0);
    assert.equal(r.missed_estimate, 0);
  }
});

Deno.test("the BCa interval of a positive time's mean stays above 0 and covers near nominal", () => {
  const rows = meanCoverage(
    [TIME_DISTRIBUTIONS[1], TIME_DISTRIBUTIONS[2]],
    [5, 20],
    [0, Infinity],
    FAST,
  );
  for (const r of rows.filter((r) => r.method === "bca_bootstrap")) {
    assert.equal(r.outside_range, 0, `${r.scenario} n=${r.n}`);
    assert.equal(r.missed_estimate, 0);
  }
  const bca = find(rows, "bca_bootstrap", "lognormal σ=0.5", 20);
  assert.ok(bca.coverage > 0.86, `coverage ${bca.coverage}`);
  // The t interval it replaced went below 0 on skewed small samples.
  assert.ok(find(rows, "t (old)", "lognormal σ=1", 5).outside_range > 0.1);
});

Deno.test("the BCa interval of a bounded score stays inside [0, 1] and covers near nominal", () => {
  const rows = meanCoverage(BOUNDED_DISTRIBUTIONS, [10, 30], [0, 1], FAST);
  for (const r of rows.filter((r) => r.method === "bca_bootstrap")) {
    assert.equal(r.outside_range, 0, `${r.scenario} n=${r.n}`);
    assert.equal(r.missed_estimate, 0);
    assert.ok(r.coverage > 0.88, `${r.scenario} n=${r.n}: ${r.coverage}`);
  }
  assert.ok(find(rows, "t (old)", "share of 4 checks", 10).outside_range > 0.2);
});

Deno.test("the macro-F1 interval covers a known confusion and is [1, 1] for a perfect classifier", () => {
  const truths = macroF1Truths().filter((t) =>
    t.name.startsWith("3 classes, balanced") || t.name.startsWith("perfect")
  );
  const rows = macroF1Coverage(truths, { ...FAST, replicates: 100 });
  const mixed = find(rows, "bca_bootstrap", "3 classes, balanced", 99);
  assert.ok(mixed.coverage > 0.86, `coverage ${mixed.coverage}`);
  assert.equal(mixed.missed_estimate, 0);
  const perfect = find(rows, "bca_bootstrap", "perfect", 154);
  assert.deepEqual([perfect.coverage, perfect.mean_width], [1, 0]);
  // The old interval over the whole label set had width on a perfect classifier.
  assert.ok(find(rows, "percentile, label set (old)", "perfect", 154).mean_width > 0.1);
});

Deno.test("the paired accuracy interval covers near nominal and McNemar keeps its size (exact)", () => {
  const rows = pairedCoverage(PAIRED_TRUTHS, [60]);
  for (const r of rows.filter((r) => r.method.startsWith("tango"))) {
    assert.ok(r.coverage > 0.93 && r.coverage < 0.985, `${r.scenario}: ${r.coverage}`);
    assert.equal(r.outside_range, 0);
    assert.equal(r.missed_estimate, 0);
  }
  const none = find(rows, "tango_score + McNemar", "0.80 → 0.80", 60);
  assert.ok(none.significant <= 0.05, `size ${none.significant}`);
  // Paired, the same change is found more often than by the unpaired interval.
  const paired = find(rows, "tango_score + McNemar", "0.70 → 0.75", 60);
  const unpaired = find(rows, "newcombe, unpaired (old)", "0.70 → 0.75", 60);
  assert.ok(paired.significant > unpaired.significant);
});

Deno.test("the paired macro-F1 difference interval covers the true difference", () => {
  const rows = pairedMacroF1Coverage(pairedMacroF1Truths(), { ...FAST, replicates: 80 });
  for (const r of rows) {
    assert.ok(r.coverage > 0.85, `${r.scenario}: ${r.coverage}`);
    assert.equal(r.missed_estimate, 0);
  }
});
