import assert from "node:assert/strict";
import { extractChoiceLetter, extractFinalNumber, numbersEqual } from "../../lib/eval/mod.ts";

Deno.test("extractChoiceLetter() reads a leading letter in its usual spellings", () => {
  assert.equal(extractChoiceLetter("B"), "B");
  assert.equal(extractChoiceLetter(" (c) because the rate rises"), "C");
  assert.equal(extractChoiceLetter("D. 12%"), "D");
});

Deno.test("extractChoiceLetter() prefers an explicit 'answer is' phrase", () => {
  assert.equal(extractChoiceLetter("A good question. The answer is (B)."), "B");
  assert.equal(extractChoiceLetter("Answer: a"), "A");
});

Deno.test("extractChoiceLetter() is invalid for ambiguous or empty answers", () => {
  assert.equal(extractChoiceLetter("A or B"), null);
  assert.equal(extractChoiceLetter(""), null);
  assert.equal(extractChoiceLetter("none of them"), null);
});

Deno.test("extractFinalNumber() reads the number after the first ####", () => {
  assert.equal(extractFinalNumber("3 + 4 = 7\n#### 1,007"), "1007");
  assert.equal(extractFinalNumber("So 18.\n#### 18\n\nQuestion: more?\nAnswer: #### 5"), "18");
});

Deno.test("extractFinalNumber() falls back to the last number before an invented next question", () => {
  assert.equal(extractFinalNumber("She pays $18.00 in total."), "18");
  assert.equal(extractFinalNumber("It is 12.\nQuestion: what about 99?"), "12");
  assert.equal(extractFinalNumber("x = -3.5"), "-3.5");
  assert.equal(extractFinalNumber("no digits here"), null);
});

Deno.test("numbersEqual() compares numerically", () => {
  assert.ok(numbersEqual("18", "18.0"));
  assert.ok(!numbersEqual("18", "18.5"));
});
