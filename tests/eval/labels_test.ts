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
  const m = matchLabel("I think it is card payment fee charged, yes", labels);
  assert.equal(m.label, "card_payment_fee_charged");
  assert.equal(m.method, "contained");
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

Deno.test("matchLabel() treats a tie between two labels as an invalid answer", () => {
  // Both labels are contained and equally long, so the contained step is ambiguous. Dice:
  // answer bigrams (17): ca ar rd dl lo os st to or rc ca ar rd ds sw wa ap; "cardlost" (7) shares
  // all 7, "cardswap" (7) shares all 7 → 14/24 for both: a tie.
  const m = matchLabel("card lost or card swap", ["card_lost", "card_swap"]);
  assert.equal(m.label, null);
  assert.equal(m.method, "none");
  assert.equal(m.similarity, 14 / 24);
});

Deno.test("matchLabel() gives an empty answer no label", () => {
  assert.deepEqual(matchLabel("   \n ", LABELS), {
    label: null,
    method: "none",
    similarity: 0,
    answer: "",
  });
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
