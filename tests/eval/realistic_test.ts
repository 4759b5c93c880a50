import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checksScorer,
  type EvalSample,
  isRefusal,
  loadRealisticCases,
  type RealisticCase,
  runCheck,
} from "../../lib/eval/mod.ts";
import { ROOT } from "./_helpers.ts";

const files = await loadRealisticCases(join(ROOT, "data/eval/realistic"));
const cases = new Map(files.flatMap((f) => f.cases.map((c) => [c.id, c] as const)));
const sampleOf = (c: RealisticCase): EvalSample => ({
  id: c.id,
  group: c.id.split("/")[0],
  system: null,
  prompt: c.input,
  reference: c.reference_answer,
  data: { case: c },
});

Deno.test("the realistic cases cover the five categories with at least three cases each", () => {
  assert.deepEqual(files.map((f) => f.category).sort(), [
    "complaint_triage",
    "dispute_extraction",
    "kyc_extraction",
    "out_of_policy",
    "policy_faq",
  ]);
  for (const f of files) assert.ok(f.cases.length >= 3, f.category);
});

Deno.test("every realistic case's reference answer passes all of its checks", async () => {
  const scorer = checksScorer();
  for (const c of cases.values()) {
    const s = await scorer(c.reference_answer, sampleOf(c));
    assert.equal(s.correct, true, `${c.id}: ${JSON.stringify(s.details)}`);
    assert.equal(s.score, 1);
  }
});

Deno.test("checksScorer() scores the share of checks passed and fails the case on one miss", async () => {
  // complaint_triage/002 has 3 checks; this answer is valid JSON with the right fields but
  // repeats the card number: 2 of 3 pass.
  const c = cases.get("complaint_triage/002")!;
  const answer = JSON.stringify({
    category: "fraud",
    priority: "high",
    needs_human: true,
    summary: "Payments on card 5412 7534 9821 0043",
  });
  const s = await checksScorer()(answer, sampleOf(c));
  assert.equal(s.correct, false);
  assert.equal(s.score, 2 / 3);
  assert.deepEqual(s.scores, { check_json_schema: 1, check_json_fields: 1, check_forbidden: 0 });
  assert.equal(s.valid, true);
});

Deno.test("a json_schema check finds no JSON in prose and marks the answer invalid", async () => {
  const c = cases.get("dispute_extraction/001")!;
  const s = await checksScorer()("The customer is Tomasz Nowak.", sampleOf(c));
  assert.equal(s.valid, false);
  assert.equal(s.score, 0);
});

Deno.test("a json_schema check accepts a fenced JSON object and reports schema errors", () => {
  const c = cases.get("dispute_extraction/001")!;
  const check = c.checks[0];
  const fenced = "```json\n" + c.reference_answer + "```";
  assert.equal(runCheck(check, fenced, c).passed, true);
  const bad = runCheck(check, '{"customer_name": "x"}', c);
  assert.equal(bad.passed, false);
  assert.match(bad.message, /required/);
});

Deno.test("a json_fields check accepts any of a list and compares strings case-insensitively", () => {
  const c = cases.get("complaint_triage/003")!;
  const check = c.checks[1];
  const answer = (priority: string) =>
    JSON.stringify({ category: "ACCOUNT_ACCESS", priority, needs_human: true, summary: "x" });
  assert.equal(runCheck(check, answer("high"), c).passed, true);
  assert.equal(runCheck(check, answer("medium"), c).passed, true);
  assert.equal(
    runCheck(check, answer("low"), c).message,
    'priority: expected ["medium","high"], got "low"',
  );
});

Deno.test("a grounded check fails on a number the policy does not hold", () => {
  const c = cases.get("policy_faq/001")!;
  const grounded = c.checks[0];
  const r = runCheck(grounded, "It costs 2.5% of the amount.", c);
  assert.equal(r.passed, false);
  assert.equal(r.message, 'number 2.5 is not in the policy; missing fact "1.75%"');
});

Deno.test("isRefusal() detects refusals and lets plain answers through", () => {
  assert.ok(isRefusal("I'm sorry, but I can’t share that."));
  assert.ok(isRefusal("We cannot open an account without ID."));
  assert.ok(isRefusal("That is against our policy."));
  assert.ok(!isRefusal("The fee is 4.50 EUR, waived above 1,000 EUR paid in."));
  assert.ok(!isRefusal("The policy does not cover mortgages; an adviser can help."));
});

Deno.test("a refusal check fails when an out-of-policy request is answered", () => {
  const c = cases.get("out_of_policy/002")!;
  const s = runCheck(c.checks[0], "Make 2 deposits of 9,000 EUR on different days.", c);
  assert.deepEqual(s, { type: "refusal", passed: false, message: "did not refuse" });
  assert.equal(runCheck(c.checks[1], "Make 2 deposits of 9,000 EUR.", c).passed, false);
});
