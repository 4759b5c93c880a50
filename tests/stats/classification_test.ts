import assert from "node:assert/strict";
import {
  confusionMatrix,
  macroF1,
  macroF1Ci,
  perClassF1,
  seededRandom,
} from "../../lib/stats/mod.ts";

// A case with an invalid prediction, a never-predicted label (c) and a label that occurs in
// neither refs nor preds (d). By hand, F1 = 2TP / (2TP + FP + FN):
//   a: TP 1 (#0), FP 1 (#4), FN 1 (#1)  → P ½, R ½, F1 2/4 = ½
//   b: TP 1 (#2), FP 1 (#1), FN 1 (#3)  → P ½, R ½, F1 ½   (null at #3 is a miss for b)
//   c: TP 0, FP 0, FN 1 (#4)            → P 0/0 → 0, R 0, F1 0
//   d: TP 0, FP 0, FN 0                 → 0/0 → 0 everywhere
//   macro-F1 over the labels present in the references (a, b, c) = (½ + ½ + 0)/3 = 1/3;
//   over the whole label set (½ + ½ + 0 + 0)/4 = 0.25.
// scikit-learn 1.2.1 f1_score(..., labels=L, average="macro", zero_division=0) gives 0.25 with
// L the whole label set and 1/3 with L = ["a", "b", "c"].
const REFS = ["a", "a", "b", "b", "c"];
const PREDS = ["a", "b", "b", null, "a"];
const LABELS = ["a", "b", "c", "d"];

Deno.test("confusionMatrix() counts reference rows against predicted columns, invalid apart", () => {
  assert.deepEqual(confusionMatrix(REFS, PREDS, { labels: LABELS }), {
    labels: LABELS,
    matrix: [
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 0],
    ],
    invalid: [0, 1, 0, 0],
  });
});

Deno.test("perClassF1() scores never-predicted and absent labels by zero division", () => {
  assert.deepEqual(perClassF1(REFS, PREDS, { labels: LABELS }), [
    { label: "a", precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 },
    { label: "b", precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 },
    { label: "c", precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 },
    { label: "d", precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 },
  ]);
});

Deno.test("perClassF1() with zeroDivision 1 follows scikit-learn's zero_division=1", () => {
  // c: precision 0/0 → 1, recall 0/1 = 0, F1 0/(0 + 0 + 1) = 0; d: 0/0 → 1 for all three.
  const scores = perClassF1(REFS, PREDS, { labels: LABELS, zeroDivision: 1 });
  assert.deepEqual(scores.slice(2), [
    { label: "c", precision: 1, recall: 0, f1: 0, support: 1, predicted: 0 },
    { label: "d", precision: 1, recall: 1, f1: 1, support: 0, predicted: 0 },
  ]);
});

Deno.test("macroF1() averages over the labels present in the references by default", () => {
  assert.equal(macroF1(REFS, PREDS, { labels: LABELS }), 1 / 3);
  // d is absent from the references: zeroDivision does not reach it.
  assert.equal(macroF1(REFS, PREDS, { labels: LABELS, zeroDivision: 1 }), 1 / 3);
});

Deno.test("macroF1() with average label_set averages over every label, never-present ones too", () => {
  assert.equal(macroF1(REFS, PREDS, { labels: LABELS, average: "label_set" }), 0.25);
  // (½ + ½ + 0 + 1)/4 with zeroDivision 1.
  assert.equal(
    macroF1(REFS, PREDS, { labels: LABELS, zeroDivision: 1, average: "label_set" }),
    0.5,
  );
});

Deno.test("macroF1() of a perfect classifier is 1 on a sample holding few of the labels", () => {
  // 20 samples over 77 intents (the old behaviour gave 20/77 = 26 %).
  const labels = Array.from({ length: 77 }, (_, i) => `intent_${i}`);
  const refs = labels.slice(0, 20);
  assert.equal(macroF1(refs, refs, { labels }), 1);
  assert.equal(macroF1(refs, refs, { labels, average: "label_set" }), 20 / 77);
});

Deno.test("macroF1() defaults the label set to the sorted labels seen in refs and preds", () => {
  // Labels a, b, c → (½ + ½ + 0)/3.
  assert.equal(macroF1(REFS, PREDS), 1 / 3);
  assert.deepEqual(confusionMatrix(["z", "y"], ["x", "y"]).labels, ["x", "y", "z"]);
});

Deno.test("macroF1() counts a prediction of an absent label against the reference's class", () => {
  // a: TP 1, FP 0, FN 1 → F1 2/3; b: TP 0, FP 1, FN 0 → F1 0 but absent from the references.
  const scores = perClassF1(["a", "a"], ["a", "b"], { labels: ["a", "b"] });
  assert.deepEqual(scores.map((s) => [s.label, s.precision, s.recall]), [
    ["a", 1, 0.5],
    ["b", 0, 0],
  ]);
  assert.equal(macroF1(["a", "a"], ["a", "b"], { labels: ["a", "b"] }), 2 / 3);
  assert.equal(
    macroF1(["a", "a"], ["a", "b"], { labels: ["a", "b"], average: "label_set" }),
    1 / 3,
  );
});

Deno.test("macroF1() scores tied classes equally", () => {
  // x: TP 1 (#1), FP 1 (#2), FN 1 (#0); y: TP 1 (#3), FP 1 (#0), FN 1 (#2): both ½.
  const refs = ["x", "x", "y", "y"];
  const preds = ["y", "x", "x", "y"];
  assert.deepEqual(perClassF1(refs, preds).map((s) => s.f1), [0.5, 0.5]);
  assert.equal(macroF1(refs, preds), 0.5);
  assert.equal(macroF1(refs, refs), 1);
  assert.equal(macroF1(refs, [null, null, null, null], { labels: ["x", "y"] }), 0);
});

Deno.test("macroF1() treats a prediction outside the label set like null", () => {
  const labels = ["pos", "neg"];
  const refs = ["pos", "neg", "neg"];
  assert.equal(
    macroF1(refs, ["pos", "maybe", "neg"], { labels }),
    macroF1(refs, ["pos", null, "neg"], { labels }),
  );
  assert.deepEqual(confusionMatrix(refs, ["pos", "maybe", "neg"], { labels }).invalid, [0, 1]);
});

Deno.test("macroF1() returns null for no samples", () => {
  assert.equal(macroF1([], [], { labels: ["a"] }), null);
});

Deno.test("macroF1Ci() is seeded, deterministic and estimates macroF1()", () => {
  const random = seededRandom(5);
  const labels = ["a", "b", "c"];
  const refs = Array.from({ length: 60 }, (_, i) => labels[i % 3]);
  const preds = refs.map((r) => (random() < 0.7 ? r : labels[Math.floor(random() * 3)]));
  const result = macroF1Ci(refs, preds, { labels });
  assert.deepEqual(macroF1Ci(refs, preds, { labels }), result);
  assert.equal(result.estimate, macroF1(refs, preds, { labels }));
  assert.equal(result.seed, 42);
  assert.equal(result.resamples, 2000);
  assert.ok(result.ci95![0] < result.estimate! && result.estimate! < result.ci95![1]);
  assert.notDeepEqual(macroF1Ci(refs, preds, { labels, seed: 1 }).ci95, result.ci95);
});

Deno.test("macroF1Ci() with average label_set keeps the whole label set across resamples", () => {
  // Perfect predictions on refs [a, b]. A resample is {a, b} (p = ½, macro 1) or {a, a} / {b, b}
  // (p = ½, the missing class scores 0/0 → 0, macro ½), so the interval is [½, 1].
  const result = macroF1Ci(["a", "b"], ["a", "b"], { average: "label_set", method: "percentile" });
  assert.equal(result.estimate, 1);
  assert.deepEqual(result.ci95, [0.5, 1]);
});

Deno.test("macroF1Ci() gives a perfect classifier [1, 1] over the labels of each resample", () => {
  // 100 samples over 77 intents, 1 or 2 per intent: the old interval was [0.636, 0.779].
  const labels = Array.from({ length: 77 }, (_, i) => `intent_${i}`);
  const refs = Array.from({ length: 100 }, (_, i) => labels[i % 77]);
  const result = macroF1Ci(refs, refs, { labels });
  assert.equal(result.estimate, 1);
  assert.deepEqual(result.ci95, [1, 1]);
  assert.equal(result.method, "bca_bootstrap");
  assert.equal(result.labels_averaged, 77);
  assert.equal(result.label_set_size, 77);
  const twenty = macroF1Ci(refs.slice(0, 20), refs.slice(0, 20), { labels });
  assert.deepEqual([twenty.estimate, twenty.ci95, twenty.labels_averaged], [1, [1, 1], 20]);
});

Deno.test("macroF1Ci() contains its estimate on a mixed run with rare classes", () => {
  // 3 frequent classes and 20 rare ones (1 sample each), half of the rare ones right: the old
  // interval of this run lay wholly below its estimate.
  const random = seededRandom(3);
  const labels = Array.from({ length: 23 }, (_, i) => `c${i}`);
  const refs: string[] = [];
  const preds: string[] = [];
  for (let i = 0; i < 90; i++) {
    refs.push(labels[i % 3]);
    preds.push(random() < 0.7 ? labels[i % 3] : labels[(i + 1) % 3]);
  }
  for (let c = 3; c < 23; c++) {
    refs.push(labels[c]);
    preds.push(c % 2 ? labels[c] : labels[0]);
  }
  for (const method of ["bca", "percentile"] as const) {
    const result = macroF1Ci(refs, preds, { labels, method });
    assert.equal(result.estimate, macroF1(refs, preds, { labels }));
    assert.ok(result.ci95![0] <= result.estimate! && result.estimate! <= result.ci95![1]);
    assert.ok(result.ci95![0] >= 0 && result.ci95![1] <= 1);
  }
});

Deno.test("macroF1Ci() returns null for n=0 and a zero-width interval for n=1", () => {
  const empty = macroF1Ci([], [], { labels: ["a"] });
  assert.equal(empty.estimate, null);
  assert.equal(empty.ci95, null);
  const one = macroF1Ci(["a"], ["a"], { labels: ["a", "b"] });
  assert.equal(one.estimate, 1);
  assert.deepEqual(one.ci95, [1, 1]);
  const wrong = macroF1Ci(["a"], ["b"], { labels: ["a", "b"] });
  assert.deepEqual([wrong.estimate, wrong.ci95], [0, [0, 0]]);
});

Deno.test("classification metrics reject mismatched lengths, unknown refs and duplicate labels", () => {
  assert.throws(() => macroF1(["a", "b"], ["a"]), {
    name: "RangeError",
    message: "macroF1() needs as many predictions as references: 2 refs, current preds length is 1",
  });
  assert.throws(() => perClassF1(["a", "q"], ["a", "a"], { labels: ["a"] }), {
    name: "RangeError",
    message: 'perClassF1() needs every reference in the label set: refs[1] is "q"',
  });
  assert.throws(() => confusionMatrix(["a"], ["a"], { labels: ["a", "b", "a"] }), {
    name: "RangeError",
    message: 'confusionMatrix() needs distinct labels: labels[2] repeats "a"',
  });
  assert.throws(() => macroF1(["a"], ["a"], { zeroDivision: 2 as 0 }), {
    name: "RangeError",
    message: "macroF1() needs zeroDivision 0 or 1: current value is 2",
  });
});
