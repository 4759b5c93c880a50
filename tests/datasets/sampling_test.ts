import assert from "node:assert/strict";
import {
  compareSampleIds,
  loadBanking77,
  loadFinancialPhraseBank,
  seededSample,
  stratifiedSample,
} from "../../lib/datasets/mod.ts";
import { LOCAL } from "./_helpers.ts";

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function reversed<T>(items: T[]): T[] {
  return [...items].reverse();
}

const fpbAll = await loadFinancialPhraseBank({ ...LOCAL, agreement: "AllAgree" });
const bankingTrain = await loadBanking77({ ...LOCAL, split: "train" });
const bankingTest = await loadBanking77({ ...LOCAL, split: "test" });

Deno.test("stratifiedSample() allocates proportionally with largest-remainder rounding", () => {
  // AllAgree: 570 positive, 303 negative, 1391 neutral (2264). For n = 100:
  // positive 57000/2264 = 25.18, negative 30300/2264 = 13.38, neutral 139100/2264 = 61.44.
  // Floors 25 + 13 + 61 = 99; the one left goes to the largest remainder (neutral, .44).
  const sample = stratifiedSample(fpbAll, 100, { seed: 42 });
  assert.equal(sample.length, 100);
  assert.deepEqual(countBy(sample, (s) => s.label), { negative: 13, neutral: 62, positive: 25 });
});

Deno.test("stratifiedSample() gives each unequal stratum its floor or ceiling share", () => {
  const n = 500;
  const sample = stratifiedSample(bankingTrain, n, { seed: 7 });
  const sizes = countBy(bankingTrain, (s) => s.label);
  const got = countBy(sample, (s) => s.label);
  let floorsTotal = 0;
  let roundedUp = 0;
  for (const [label, size] of Object.entries(sizes)) {
    const floor = Math.floor((n * size) / bankingTrain.length);
    floorsTotal += floor;
    const count = got[label] ?? 0;
    assert.ok(count === floor || count === floor + 1, `${label}: ${count} vs floor ${floor}`);
    if (count === floor + 1) roundedUp++;
  }
  assert.equal(sample.length, n);
  assert.equal(roundedUp, n - floorsTotal);
});

Deno.test("stratifiedSample() splits equal strata evenly and breaks remainder ties by seed", () => {
  // Banking77 test has 40 rows for each of 77 labels (3080): n = 154 is exactly 2 per label.
  const even = countBy(stratifiedSample(bankingTest, 154, { seed: 1 }), (s) => s.label);
  assert.ok(Object.values(even).every((c) => c === 2) && Object.keys(even).length === 77);
  // n = 100: 100 * 40 / 3080 = 1.30 each -> 77 floors of 1, the 23 left go to tied strata.
  const tiedA = countBy(stratifiedSample(bankingTest, 100, { seed: 1 }), (s) => s.label);
  const tiedB = countBy(stratifiedSample(bankingTest, 100, { seed: 2 }), (s) => s.label);
  for (const tied of [tiedA, tiedB]) {
    const values = Object.values(tied);
    assert.equal(values.filter((c) => c === 2).length, 23);
    assert.equal(values.filter((c) => c === 1).length, 54);
  }
  assert.notDeepEqual(tiedA, tiedB, "which strata get the extra one depends on the seed");
});

Deno.test("stratifiedSample() is deterministic for a seed, whatever the input order", () => {
  const a = stratifiedSample(bankingTrain, 300, { seed: 42 });
  const b = stratifiedSample(reversed(bankingTrain), 300, { seed: 42 });
  const c = stratifiedSample(bankingTrain, 300, { seed: 43 });
  assert.deepEqual(a.map((s) => s.id), b.map((s) => s.id));
  assert.notDeepEqual(a.map((s) => s.id), c.map((s) => s.id));
  assert.equal(new Set(a.map((s) => s.id)).size, 300);
});

Deno.test("stratifiedSample() returns samples sorted by id and uses a custom key", () => {
  const sample = stratifiedSample(bankingTest, 60, {
    seed: 3,
    key: (s) => (s.label.startsWith("card") ? "card" : "other"),
  });
  const ids = sample.map((s) => s.id);
  assert.deepEqual(ids, [...ids].sort(compareSampleIds));
  // "card*" labels: count them in the data, then expect the largest-remainder share of 60.
  const cards = bankingTest.filter((s) => s.label.startsWith("card")).length;
  const exact = (60 * cards) / bankingTest.length;
  const got = sample.filter((s) => s.label.startsWith("card")).length;
  assert.ok(got === Math.floor(exact) || got === Math.ceil(exact), `${got} vs ${exact}`);
});

Deno.test("stratifiedSample() handles n = 0 and n = all", () => {
  assert.deepEqual(stratifiedSample(fpbAll, 0), []);
  assert.deepEqual(
    stratifiedSample(reversed(fpbAll), fpbAll.length).map((s) => s.id),
    fpbAll.map((s) => s.id),
  );
});

Deno.test("stratifiedSample() rejects bad n, bad seed and duplicate ids", () => {
  assert.throws(
    () => stratifiedSample(fpbAll, 2265),
    new RangeError("Cannot sample: n must be an integer from 0 to 2264: current value is 2265"),
  );
  assert.throws(
    () => stratifiedSample(fpbAll, 1.5),
    new RangeError("Cannot sample: n must be an integer from 0 to 2264: current value is 1.5"),
  );
  assert.throws(
    () => seededSample(fpbAll, 3, { seed: 0.5 }),
    new RangeError("Cannot sample: seed must be a safe integer: current value is 0.5"),
  );
  assert.throws(
    () => stratifiedSample([fpbAll[0], fpbAll[0]], 1),
    new TypeError(`Cannot sample: duplicate sample id '${fpbAll[0].id}'`),
  );
  assert.throws(
    () => stratifiedSample([{ id: "a" }], 1),
    new TypeError("Cannot stratify: sample 'a' has no string 'label'; pass options.key"),
  );
});

Deno.test("seededSample() draws n distinct samples, sorted by id, deterministic for a seed", () => {
  const a = seededSample(bankingTest, 50, { seed: 9 });
  const b = seededSample(reversed(bankingTest), 50, { seed: 9 });
  assert.equal(new Set(a.map((s) => s.id)).size, 50);
  assert.deepEqual(a, b);
  assert.deepEqual(a.map((s) => s.id), a.map((s) => s.id).sort(compareSampleIds));
  assert.notDeepEqual(a, seededSample(bankingTest, 50, { seed: 10 }));
  assert.deepEqual(seededSample(bankingTest, 50), seededSample(bankingTest, 50, { seed: 42 }));
});

Deno.test("compareSampleIds() orders digit runs numerically", () => {
  const ids = ["HumanEval/10", "HumanEval/2", "HumanEval/1", "HumanEval/100", "Gsm/3"];
  assert.deepEqual([...ids].sort(compareSampleIds), [
    "Gsm/3",
    "HumanEval/1",
    "HumanEval/2",
    "HumanEval/10",
    "HumanEval/100",
  ]);
  assert.ok(compareSampleIds("a/007", "a/7") > 0 && compareSampleIds("a/7", "a/007") < 0);
  assert.equal(compareSampleIds("x", "x"), 0);
});
