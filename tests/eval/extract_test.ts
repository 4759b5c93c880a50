import assert from "node:assert/strict";
import {
  extractChoiceLetter,
  extractFinalNumber,
  matchChoice,
  numbersEqual,
} from "../../lib/eval/mod.ts";

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

Deno.test("extractChoiceLetter() never reads an English article as a choice", () => {
  assert.equal(extractChoiceLetter("A tricky question; I am not sure."), null);
  assert.equal(extractChoiceLetter("The answer is a matter of opinion."), null);
  assert.equal(extractChoiceLetter("A contract is formed when both sign."), null);
});

Deno.test("extractChoiceLetter() reads a letter pattern even when an article follows it", () => {
  assert.equal(extractChoiceLetter("D. A contract was formed on the 5th."), "D");
  assert.equal(extractChoiceLetter("(B) A rise in rates"), "B");
  assert.equal(extractChoiceLetter("C)"), "C");
  assert.equal(extractChoiceLetter("\n\nB\n"), "B");
  assert.equal(extractChoiceLetter("The correct option is C."), "C");
});

Deno.test("matchChoice() says why an answer is invalid", () => {
  assert.equal(matchChoice("").invalid, "empty");
  assert.equal(matchChoice("A or B").invalid, "several_labels");
  assert.equal(matchChoice("A. 10%\nB. 12%\nC. 14%").invalid, "several_labels");
  assert.equal(matchChoice("I do not know.").invalid, "no_label");
});

Deno.test("matchChoice() reads an answer that repeats one option's text", () => {
  const choices = ["It falls", "It rises", "A contract was formed", "Nothing changes"];
  assert.deepEqual(matchChoice("It rises.", { choices }), {
    letter: "B",
    method: "option_text",
    invalid: null,
  });
  assert.equal(matchChoice("I think a contract was formed, yes", { choices }).letter, "C");
  assert.equal(matchChoice("It falls or it rises", { choices }).letter, null);
});

Deno.test("matchChoice() strips reasoning before reading the letter", () => {
  assert.equal(matchChoice("<think>A or C? A is wrong.</think>\nAnswer: C").letter, "C");
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
