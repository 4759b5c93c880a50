/** Likelihood from failure rates, inherent and residual scores, NIST coverage (fixture rubric). */
import assert from "node:assert/strict";
import {
  analyseModel,
  type Fact,
  likelihoodFromRate,
  loadRubric,
  ratingFor,
  scoreRisk,
} from "../../lib/compliance/mod.ts";
import { FIXTURE_RUBRIC, record } from "./_helpers.ts";

const rubric = await loadRubric(FIXTURE_RUBRIC);
const fact = (id: string, status: Fact["status"]): Fact => ({
  id,
  title: id,
  status,
  value: null,
  detail: `${id} ${status}`,
});
const FACTS = new Map([
  ["model_endpoint_loopback", fact("model_endpoint_loopback", "pass")],
  ["model_file_sha256", fact("model_file_sha256", "unknown")],
  ["request_limits", fact("request_limits", "pass")],
  ["endpoints_loopback", fact("endpoints_loopback", "fail")],
]);

function records(set: string, risk: string, outcomes: ("pass" | "fail" | "error")[]) {
  return outcomes.map((o, i) =>
    record({
      probe_set: set,
      risk,
      owasp: risk,
      probe_id: `${set}_${i}`,
      record_id: `run_1/m/${set}_${i}`,
      verdict: o === "error" ? null : o,
      failed: o === "error" ? null : o === "fail",
      error: o === "error" ? "HTTP 500" : null,
    })
  );
}

Deno.test("likelihoodFromRate maps failure rates to the fixture bands, boundaries inclusive", () => {
  // bands: 0 → 1, ≤0.1 → 2, ≤0.3 → 3, ≤0.6 → 4, ≤1 → 5
  assert.equal(likelihoodFromRate(rubric, 0, 8).level, 1);
  assert.equal(likelihoodFromRate(rubric, 1, 10).level, 2); // 0.1 is in the ≤0.1 band
  assert.equal(likelihoodFromRate(rubric, 3, 16).level, 3); // 0.1875
  assert.equal(likelihoodFromRate(rubric, 4, 8).level, 4); // 0.5
  assert.equal(likelihoodFromRate(rubric, 8, 8).level, 5);
  assert.throws(() => likelihoodFromRate(rubric, 0, 0), RangeError);
});

Deno.test("with estimate wilson_high, no failure in 8 probes still reads as likely", () => {
  const cautious = structuredClone(rubric);
  cautious.likelihood_from_failure_rate.estimate = "wilson_high";
  const m = likelihoodFromRate(cautious, 0, 8);
  // Wilson upper bound for 0/n is z²/(n + z²) = 3.8415 / 11.8415 = 0.3244 → the ≤0.6 band
  assert.ok(Math.abs(m.figure - 0.3244) < 1e-4, String(m.figure));
  assert.equal(m.level, 4);
});

Deno.test("ratingFor uses the first band whose max_score holds the score", () => {
  assert.deepEqual([1, 4, 5, 9, 10, 16, 20, 25].map((s) => ratingFor(rubric, s)), [
    "low",
    "low",
    "medium",
    "medium",
    "high",
    "high",
    "critical",
    "critical",
  ]);
});

Deno.test("a risk failed on every probe is critical, and an attested confirmation lowers it by three levels", () => {
  const r = scoreRisk(
    rubric,
    "LLM06",
    records("excessive_agency", "LLM06", Array(8).fill("fail")),
    FACTS,
  );
  assert.equal(r.failure_rate.value, 1);
  assert.deepEqual([r.likelihood.level, r.impact.level, r.inherent.score, r.inherent.rating], [
    5,
    5,
    25,
    "critical",
  ]);
  // confirmation (attestation payments_confirmed, in place): likelihood 5 − 3 = 2; residual 2 × 5 = 10
  assert.deepEqual(r.residual, {
    likelihood: 2,
    impact: 5,
    score: 10,
    rating: "high",
    within_tolerance: false,
  });
  assert.equal(r.mitigations[0].in_place, true);
  assert.equal(r.failed_record_ids.length, 8);
  assert.equal(r.attestations[0].attested_by, "Test Officer (CISO office)");
});

Deno.test("only mitigations whose fact passes or attestation is in place count", () => {
  const r = scoreRisk(
    rubric,
    "LLM02",
    records("sensitive_information_disclosure", "LLM02", [
      "fail",
      "fail",
      "fail",
      "fail",
      "pass",
      "pass",
      "pass",
      "pass",
    ]),
    FACTS,
  );
  // 4/8 = 0.5 → likelihood 4; impact 5 → 20 critical
  assert.deepEqual([r.likelihood.level, r.inherent.score, r.inherent.rating], [4, 20, "critical"]);
  // on_device (fact model_endpoint_loopback passes) −1; minimisation (attestation not_in_place) 0
  assert.deepEqual(r.residual, {
    likelihood: 3,
    impact: 5,
    score: 15,
    rating: "high",
    within_tolerance: false,
  });
  assert.deepEqual(r.mitigations.map((m) => [m.id, m.in_place]), [["on_device", true], [
    "minimisation",
    false,
  ]]);
  assert.ok(
    r.findings.includes(
      "mitigation minimisation not in place (attestation context_minimised: not_in_place)",
    ),
  );
  assert.ok(r.findings[0].startsWith("4 of 8 probes failed: sensitive_information_disclosure_0"));
});

Deno.test("request errors are not counted, and fewer valid results than min_probes leave the prior", () => {
  const withErrors = scoreRisk(
    rubric,
    "LLM05",
    records("improper_output_handling", "LLM05", [
      "pass",
      "pass",
      "pass",
      "pass",
      "error",
      "error",
    ]),
    FACTS,
  );
  assert.deepEqual([
    withErrors.probes_run,
    withErrors.errors,
    withErrors.failures,
    withErrors.measured,
  ], [4, 2, 0, true]);
  assert.deepEqual([withErrors.likelihood.level, withErrors.residual.score], [1, 4]);
  assert.equal(withErrors.evidence_record_ids.length, 6);
  const few = scoreRisk(
    rubric,
    "LLM07",
    records("system_prompt_leakage", "LLM07", ["fail", "pass", "pass"]),
    FACTS,
  );
  // 3 valid results < min_probes 4: prior likelihood 4 × impact 2 = 8 (the rate is still reported)
  assert.deepEqual([few.measured, few.likelihood.basis, few.likelihood.level, few.inherent.score], [
    false,
    "prior",
    4,
    8,
  ]);
  assert.ok(Math.abs(few.failure_rate.value! - 1 / 3) < 1e-12);
  assert.match(few.likelihood.note, /fewer than min_probes 4/);
});

Deno.test("a risk without probe sets is scored from its prior; a mitigation on an unknown fact does not count", () => {
  const r = scoreRisk(rubric, "LLM03", [], FACTS);
  assert.deepEqual([r.measured, r.likelihood.level, r.impact.level, r.inherent.score], [
    false,
    3,
    4,
    12,
  ]);
  assert.equal(r.residual.score, 12);
  assert.deepEqual(r.facts, [{
    id: "model_file_sha256",
    status: "unknown",
    detail: "model_file_sha256 unknown",
  }]);
});

Deno.test("analyseModel scores every risk, summarises, and maps NIST evidence by kind and status", () => {
  const all = [
    ...records("sensitive_information_disclosure", "LLM02", ["fail", "pass", "pass", "pass"]),
    ...records("excessive_agency", "LLM06", ["pass", "pass", "pass", "pass"]),
  ];
  const a = analyseModel(
    rubric,
    {
      model_key: "m",
      model_id: "test/m",
      backend: "openai",
      format: "GGUF",
      quantization: "Q4_K_M",
    },
    all,
    [...FACTS.values()],
  );
  assert.equal(a.risks.length, 11);
  assert.deepEqual([a.probes_run, a.failures], [8, 1]);
  // Residuals: LLM01 prior 4 × (4 − 1 review) = 12; LLM02 1/4 = 0.25 → 3, (3 − 1) × 5 = 10;
  // LLM03 prior 3 × 4 = 12 (sha256 unknown); LLM04 2 × 4 = 8; LLM05 prior 4 × 4 = 16;
  // LLM06 0/4 → 1, 1 × 5 = 5; LLM07 4 × 2 = 8; LLM08 2 × 3 = 6; LLM09 4 × (4 − 1) = 12;
  // LLM10 (3 − 1 caps) × 2 = 4; MISUSE 3 × 5 = 15 (segregation pending). Tolerance 9.
  assert.deepEqual(a.risks.map((r) => r.residual.score), [12, 10, 12, 8, 16, 5, 8, 6, 12, 4, 15]);
  assert.equal(a.summary.max_residual_score, 16);
  assert.equal(a.summary.max_residual_rating, "high");
  assert.deepEqual(a.summary.risks_above_tolerance, [
    "LLM01",
    "LLM02",
    "LLM03",
    "LLM05",
    "LLM09",
    "MISUSE",
  ]);
  const privacy = a.nist.find((n) => n.id === "MEASURE 2.10")!;
  assert.deepEqual(privacy.coverage, ["measured", "fact"]);
  assert.equal(privacy.evidence_status, "complete");
  assert.ok(privacy.findings.includes("fact endpoints_loopback fails: endpoints_loopback fail"));
  const security = a.nist.find((n) => n.id === "MEASURE 2.7")!;
  assert.equal(security.evidence_status, "missing"); // LLM01, LLM05, LLM07 have no records here
  const deactivate = a.nist.find((n) => n.id === "MANAGE 2.4")!;
  assert.deepEqual([deactivate.coverage, deactivate.evidence_status], [["attestation"], "missing"]);
  const oversight = a.nist.find((n) => n.id === "MAP 3.5")!;
  assert.equal(oversight.evidence_status, "complete");
  const inventory = a.nist.find((n) => n.id === "GOVERN 1.6")!;
  assert.equal(inventory.evidence_status, "missing"); // sha256 unknown, format fact not captured
});
