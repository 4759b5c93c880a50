import assert from "node:assert/strict";
import { lcsLength, rouge, rougeN, rougeTokens } from "../../lib/eval/mod.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

Deno.test("rougeTokens() lower-cases and splits on everything but ASCII letters and digits", () => {
  assert.deepEqual(rougeTokens("The Bank's Q3 loss: -4.5%!"), [
    "the",
    "bank",
    "s",
    "q3",
    "loss",
    "4",
    "5",
  ]);
  assert.deepEqual(rougeTokens("Café"), ["caf"]);
});

Deno.test("rouge() scores a one-word substitution as hand-computed", () => {
  // cand: the cat sat on the mat; ref: the cat lay on the mat (6 tokens each).
  // ROUGE-1: overlap the×2 cat on mat = 5 → P = R = F1 = 5/6.
  // ROUGE-2: cand bigrams {the cat, cat sat, sat on, on the, the mat}; ref {the cat, cat lay,
  // lay on, on the, the mat}; overlap 3 of 5 → 0.6. ROUGE-L: LCS the cat on the mat = 5 → 5/6.
  const r = rouge("The cat sat on the mat.", "the cat lay on the mat");
  close(r.rouge1.f1, 5 / 6);
  close(r.rouge2.f1, 0.6);
  close(r.rougeL.f1, 5 / 6);
});

Deno.test("rougeN() clips repeated n-grams to their count in the reference", () => {
  // cand the×3, ref the cat: overlap min(3, 1) = 1; P = 1/3, R = 1/2, F1 = 2·(1/6)/(5/6) = 0.4.
  const s = rougeN(["the", "the", "the"], ["the", "cat"], 1);
  close(s.precision, 1 / 3);
  close(s.recall, 1 / 2);
  close(s.f1, 0.4);
});

Deno.test("rouge() gives 0 for an empty candidate and for a candidate without bigrams", () => {
  assert.deepEqual(rouge("", "the cat").rouge1, { precision: 0, recall: 0, f1: 0 });
  assert.equal(rouge("cat", "the cat").rouge2.f1, 0);
});

Deno.test("lcsLength() respects order, not just overlap", () => {
  assert.equal(lcsLength(["a", "b", "c", "d"], ["d", "c", "b", "a"]), 1);
  assert.equal(lcsLength(["a", "x", "b", "c"], ["a", "b", "y", "c"]), 3);
  close(rouge("a b c d", "d c b a").rougeL.f1, 0.25);
});
