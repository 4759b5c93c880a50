import assert from "node:assert/strict";
import {
  choiceScorer,
  combineScorers,
  cosineSimilarity,
  type Embedder,
  embeddingScorer,
  type EvalSample,
  labelEnumSchema,
  labelScorer,
  numericScorer,
  renderTemplate,
  rougeScorer,
} from "../../lib/eval/mod.ts";

const sample = (reference: string): EvalSample => ({
  id: "s/00001",
  group: null,
  system: null,
  prompt: "",
  reference,
});

Deno.test("labelScorer() is correct for a normalised match and records how it matched", async () => {
  const s = await labelScorer(["card_arrival", "pin_blocked"])(
    "PIN blocked",
    sample("pin_blocked"),
  );
  assert.deepEqual(s, {
    prediction: "pin_blocked",
    correct: true,
    score: 1,
    valid: true,
    invalidReason: null,
    details: { match: "normalized", similarity: 1, answer: "PIN blocked" },
  });
});

Deno.test("labelScorer() says why an answer is invalid", async () => {
  const score = (answer: string) =>
    labelScorer(["negative", "neutral", "positive"])(answer, sample("neutral"));
  assert.equal((await score("neutral/positive")).invalidReason, "several_labels");
  assert.equal((await score("I cannot tell.")).invalidReason, "no_label");
  assert.equal((await score("")).invalidReason, "empty");
});

Deno.test("numericScorer() does not take a step of a chain of thought cut by max_tokens", async () => {
  const loop = "He spent $150,000 / 2 = $7500 per month. He spent $7500 on fuel per month, so he";
  const cut = await numericScorer()(loop, sample("7500"), { finishReason: "length" });
  assert.deepEqual([cut.prediction, cut.valid, cut.invalidReason], [null, false, "unfinished"]);
  const done = await numericScorer()("She pays $7,500 in total.", sample("7500"), {
    finishReason: "stop",
  });
  assert.equal(done.correct, true);
  const marked = await numericScorer()("So 24.\n#### 24\n\nQuestion: 1000", sample("24"), {
    finishReason: "length",
  });
  assert.equal(marked.correct, true);
});

Deno.test("choiceScorer() reads the option text the sample carries", async () => {
  const s = { ...sample("B"), data: { choices: ["It falls", "It rises", "Both", "Neither"] } };
  const score = await choiceScorer()("It rises.", s);
  assert.deepEqual([score.prediction, score.correct, score.details?.match], [
    "B",
    true,
    "option_text",
  ]);
  const article = await choiceScorer()("A tricky question; I am not sure.", sample("A"));
  assert.deepEqual([article.valid, article.correct, article.invalidReason], [
    false,
    false,
    "no_label",
  ]);
});

Deno.test("labelScorer() marks an unmappable answer invalid and wrong", async () => {
  const s = await labelScorer(["card_arrival", "pin_blocked"])("", sample("pin_blocked"));
  assert.equal(s.valid, false);
  assert.equal(s.correct, false);
  assert.equal(s.prediction, null);
});

Deno.test("choiceScorer() and numericScorer() compare the extracted answer", async () => {
  assert.equal((await choiceScorer()("C", sample("C"))).correct, true);
  assert.equal((await choiceScorer()("maybe", sample("C"))).valid, false);
  assert.equal((await numericScorer()("so 7 + 11 = 18\n#### 18", sample("18"))).correct, true);
  assert.equal((await numericScorer()("#### 17", sample("18"))).correct, false);
});

Deno.test("rougeScorer() makes ROUGE-L F1 the primary score and an empty answer invalid", async () => {
  const s = await rougeScorer()("the cat sat on the mat", sample("the cat lay on the mat"));
  assert.equal(s.correct, null);
  assert.equal(s.score, s.scores?.rougeL);
  assert.equal((await rougeScorer()(" ", sample("x"))).valid, false);
});

Deno.test("cosineSimilarity() is 1 for parallel vectors, 0 for orthogonal or zero vectors", () => {
  assert.equal(cosineSimilarity([1, 2], [2, 4]), 1);
  assert.equal(cosineSimilarity([1, 0], [0, 3]), 0);
  assert.equal(cosineSimilarity([0, 0], [1, 1]), 0);
  assert.throws(() => cosineSimilarity([1], [1, 2]), RangeError);
});

Deno.test("combineScorers() keeps the first scorer's verdict and merges secondary scores", async () => {
  const fake: Embedder = {
    name: "fake",
    // deno-lint-ignore require-await
    embed: async (t) => (t.includes("cat") ? [1, 0] : [0, 1]),
    close: () => Promise.resolve(),
  };
  const s = await combineScorers(rougeScorer(), embeddingScorer(fake))("a cat", sample("the cat"));
  assert.equal(s.scores?.embedding_cosine, 1);
  assert.equal(s.score, s.scores?.rougeL);
});

Deno.test("labelEnumSchema() constrains the answer to one label", () => {
  assert.deepEqual(labelEnumSchema(["a", "b"]), {
    type: "object",
    properties: { label: { type: "string", enum: ["a", "b"] } },
    required: ["label"],
    additionalProperties: false,
  });
});

Deno.test("renderTemplate() refuses a placeholder without a value", () => {
  assert.throws(
    () => renderTemplate("Q: {{question}} {{exampels}}", { question: "x" }),
    (e: Error) => e instanceof RangeError && /\{\{exampels\}\}/.test(e.message),
  );
});
