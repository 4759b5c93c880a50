import assert from "node:assert/strict";
import { cleanAnswer, diceSimilarity, matchLabel, normalizeLabel } from "../../lib/eval/mod.ts";

const LABELS = ["card_arrival", "card_linking", "exchange_rate"];

Deno.test("normalizeLabel() lower-cases and turns underscores and punctuation into single spaces", () => {
  assert.equal(normalizeLabel("  Card_Arrival!! "), "card arrival");
  assert.equal(normalizeLabel("top-up / limits"), "top up limits");
});

Deno.test("matchLabel() takes an exact label first", () => {
  assert.deepEqual(matchLabel("card_linking", LABELS), {
    label: "card_linking",
    method: "exact",
    similarity: 1,
    answer: "card_linking",
    invalid: null,
  });
});

Deno.test("matchLabel() maps case, spaces and punctuation variants by normalisation", () => {
  const m = matchLabel("  Card Arrival.\nBecause the card is late.", LABELS);
  assert.equal(m.label, "card_arrival");
  assert.equal(m.method, "normalized");
});

Deno.test("matchLabel() strips an 'Intent:' prefix and quotes", () => {
  assert.equal(matchLabel('Intent: "exchange_rate"', LABELS).method, "exact");
});

Deno.test("matchLabel() reads the label field of a JSON answer (constrained output)", () => {
  assert.equal(matchLabel('{"label": "card_linking"}', LABELS).label, "card_linking");
});

Deno.test("matchLabel() finds a label contained as whole words, the longest winning", () => {
  const labels = ["card_payment", "card_payment_fee_charged"];
  const m = matchLabel("I think it is card_payment_fee_charged, yes", labels);
  assert.equal(m.label, "card_payment_fee_charged");
  assert.equal(m.method, "contained");
  assert.equal(matchLabel("Intent: card payment fee charged", labels).label, labels[1]);
});

Deno.test("matchLabel() does not read a label's words in a sentence as the label", () => {
  // A restated query names no intent; the label as an identifier or in title case does.
  const m = matchLabel("Can you tell me the foreign exchange rate?", LABELS);
  assert.deepEqual([m.label, m.invalid], [null, "no_label"]);
  assert.equal(matchLabel("This is about Exchange Rate.", LABELS).label, "exchange_rate");
  assert.equal(matchLabel("so exchange_rate it is", LABELS).label, "exchange_rate");
});

Deno.test("matchLabel() takes the closest label by bigram Dice similarity above the threshold", () => {
  // "cardarival": ca ar rd da ar ri iv va al (9); "cardarrival": ca ar rd da ar rr ri iv va al
  // (10); shared ca ar ar rd da ri iv va al = 9 → 2·9/19 = 18/19.
  const m = matchLabel("card arival", LABELS);
  assert.equal(m.label, "card_arrival");
  assert.equal(m.method, "similar");
  assert.equal(m.similarity, 18 / 19);
});

Deno.test("matchLabel() accepts a similarity equal to the threshold and refuses one below", () => {
  assert.equal(matchLabel("card arival", LABELS, { threshold: 18 / 19 }).label, "card_arrival");
  assert.equal(matchLabel("card arival", LABELS, { threshold: 0.95 }).label, null);
});

Deno.test("matchLabel() treats an answer naming two labels as invalid", () => {
  const m = matchLabel("card lost or card swap", ["card_lost", "card_swap"]);
  assert.deepEqual([m.label, m.method, m.invalid], [null, "none", "several_labels"]);
});

Deno.test("matchLabel() treats a tie between two labels at the top similarity as invalid", () => {
  // "cardlo" → ca ar rd dl lo (5); "cardlost" → ca ar rd dl lo os st (7) shares all 5 → 10/12;
  // "cardloan" → ca ar rd dl lo oa an (7) shares all 5 → 10/12: a tie.
  const m = matchLabel("card lo", ["card_lost", "card_loan"]);
  assert.deepEqual([m.label, m.invalid], [null, "several_labels"]);
  assert.equal(m.similarity, 10 / 12);
});

Deno.test("matchLabel() gives an empty answer no label", () => {
  assert.deepEqual(matchLabel("   \n ", LABELS), {
    label: null,
    method: "none",
    similarity: 0,
    answer: "",
    invalid: "empty",
  });
  assert.equal(matchLabel("<think>it could be card_arrival</think>", LABELS).invalid, "empty");
});

Deno.test("matchLabel() refuses an unrelated answer", () => {
  assert.equal(matchLabel("banana bread", LABELS).label, null);
});

Deno.test("diceSimilarity() follows the bigram multiset definition", () => {
  assert.equal(diceSimilarity("night", "nacht"), 0.25);
  assert.equal(diceSimilarity("a", "a"), 1);
  assert.equal(diceSimilarity("a", "b"), 0);
});

Deno.test("cleanAnswer() keeps only the first non-empty line", () => {
  assert.equal(cleanAnswer("\n\n positive \n because"), "positive");
});

const PHRASEBANK = ["negative", "neutral", "positive"];

Deno.test("matchLabel() reads the label after an introducing word on the next line", () => {
  assert.equal(matchLabel("Intent:\ncard_arrival", LABELS).label, "card_arrival");
  assert.equal(matchLabel("Sentiment:\nPositive", PHRASEBANK).label, "positive");
  assert.equal(matchLabel("Label: Card Arrival", LABELS).label, "card_arrival");
  assert.equal(
    matchLabel("The sentiment of this sentence is positive.", PHRASEBANK).label,
    "positive",
  );
});

Deno.test("matchLabel() strips reasoning blocks and code fences", () => {
  assert.equal(
    matchLabel(
      "<think>card_linking or card_arrival? It has not come.</think>\ncard_arrival",
      LABELS,
    )
      .label,
    "card_arrival",
  );
  assert.equal(matchLabel("```\ncard_arrival\n```", LABELS).label, "card_arrival");
  assert.equal(matchLabel('```json\n{"label": "card_linking"}\n```', LABELS).label, "card_linking");
});

Deno.test("matchLabel() keeps a stated label over other labels in the explanation", () => {
  const m = matchLabel("Positive\n\nThe tone is not negative: profits rose.", PHRASEBANK);
  assert.equal(m.label, "positive");
});

Deno.test("matchLabel() reads the answer before an invented next example", () => {
  const m = matchLabel("Intent: card_arrival\n\nQuery: Why a fee?\nIntent: card_linking", LABELS);
  assert.equal(m.label, "card_arrival");
});

Deno.test("matchLabel() makes ambiguous answers invalid: two labels, a negation, a shared prefix", () => {
  for (const answer of ["neutral/positive", "Not positive", "Sentiment: not negative"]) {
    assert.deepEqual(
      [answer, matchLabel(answer, PHRASEBANK).label, matchLabel(answer, PHRASEBANK).invalid],
      [answer, null, "several_labels"],
    );
  }
  const banking = ["request_refund", "Refund_not_showing_up", "card_arrival"];
  assert.deepEqual(
    [matchLabel("refund", banking).label, matchLabel("refund", banking).invalid],
    [null, "several_labels"],
  );
});

Deno.test("matchLabel() makes a bulleted list of candidate labels invalid", () => {
  const m = matchLabel("The Intent:\n\n- card_arrival\n- card_arrival_late\n- card", LABELS);
  assert.deepEqual([m.label, m.invalid], [null, "several_labels"]);
});

Deno.test("matchLabel() reads only a whole identifier as a label", () => {
  const m = matchLabel("The card_arrival_not_supported_by_bank card", LABELS);
  assert.deepEqual([m.label, m.invalid], [null, "no_label"]);
});

Deno.test("matchLabel() reads a cut answer as unfinished, and a closed JSON field as its label", () => {
  assert.equal(matchLabel('{"label": "', PHRASEBANK).invalid, "unfinished");
  assert.equal(matchLabel('{\n\t"label": "negat', PHRASEBANK).invalid, "unfinished");
  // Cut after a whole label that begins no other one: the label is there.
  assert.equal(matchLabel('{\n\t"label": "negative', PHRASEBANK).label, "negative");
  assert.equal(matchLabel('{"label": "card', ["card", "card_linking"]).invalid, "unfinished");
  assert.equal(matchLabel('{ "label": "neutral" } (the sentence', PHRASEBANK).label, "neutral");
  assert.equal(matchLabel("Intent:", LABELS).invalid, "unfinished");
  assert.equal(matchLabel("The intent is exch", LABELS).invalid, "unfinished");
  // Prose that happens to end in a label's first word is not an answer on its way.
  assert.equal(matchLabel("I can help with any card", LABELS).invalid, "no_label");
  assert.equal(matchLabel('{"label": 3}', PHRASEBANK).invalid, "no_label");
});

Deno.test("matchLabel() reads a label a small model wrote after the input's own field name", () => {
  // SmolLM2 with a 3-shot Financial PhraseBank prompt answers `Sentence: Negative`.
  assert.equal(matchLabel("Sentence: Negative", PHRASEBANK).label, "negative");
  assert.equal(matchLabel("Sentence: The fine print is here", PHRASEBANK).invalid, "no_label");
});
