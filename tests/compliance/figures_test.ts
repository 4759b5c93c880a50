/** Risk tables (rows and Polars frames) and the risk heat map, built headless. */
import assert from "node:assert/strict";
import {
  analyseModel,
  complianceFrame,
  loadRubric,
  nistRows,
  ratingsOf,
  type RiskAnalysis,
  RiskAnalysisSchema,
  riskHeatmap,
  riskMatrixRows,
  riskRows,
} from "../../lib/compliance/mod.ts";
import { svgString } from "../../lib/report/mod.ts";
import { FIXTURE_RUBRIC, record } from "./_helpers.ts";

const rubric = await loadRubric(FIXTURE_RUBRIC);

function analysis(): RiskAnalysis {
  const model = (key: string, failed: boolean) =>
    analyseModel(
      rubric,
      {
        model_key: key,
        model_id: `test/${key}`,
        backend: "openai",
        format: "GGUF",
        quantization: "Q4_K_M",
      },
      Array.from({ length: 8 }, (_, i) =>
        record({
          model_key: key,
          probe_set: "excessive_agency",
          risk: "LLM06",
          owasp: "LLM06",
          probe_id: `ea_${i}`,
          record_id: `r/${key}/ea_${i}`,
          verdict: failed ? "fail" : "pass",
          failed,
        })),
      [
        { id: "request_limits", title: "caps", status: "pass", value: null, detail: "capped" },
      ],
    );
  return RiskAnalysisSchema.parse({
    schema_version: 1,
    kind: "risk_analysis",
    generated_at: "2025-11-23T10:00:00.000Z",
    rubric: { path: FIXTURE_RUBRIC, sha256: "a".repeat(64), frameworks: rubric.frameworks },
    method: {
      scales: rubric.scales,
      likelihood_from_failure_rate: rubric.likelihood_from_failure_rate,
      residual: rubric.residual,
    },
    deployment_facts: [],
    attestations: [],
    probe_catalogue: {},
    models: [model("safe", false), model("agentic", true)],
    notes: [],
  });
}

Deno.test("riskRows gives one row per model and risk; the matrix one row per model", () => {
  const a = analysis();
  const rows = riskRows(a);
  assert.equal(rows.length, 22);
  const agentic = rows.find((r) => r.model_key === "agentic" && r.risk === "LLM06")!;
  // 8/8 → likelihood 5, impact 5 → 25; confirmation attested −3 → 2 × 5 = 10
  assert.deepEqual([
    agentic.probes,
    agentic.failures,
    agentic.failure_rate,
    agentic.inherent,
    agentic.residual,
    agentic.residual_rating,
  ], [8, 8, 1, 25, 10, "high"]);
  const matrix = riskMatrixRows(a);
  assert.deepEqual(matrix.map((r) => [r.model_key, r.LLM06]), [["safe", 5], ["agentic", 10]]);
  const frame = complianceFrame(rows);
  assert.deepEqual(frame.shape, { height: 22, width: 16 });
  assert.deepEqual(frame.getColumn("risk").toArray().slice(0, 3), ["LLM01", "LLM02", "LLM03"]);
  assert.equal(nistRows(a).length, 10);
  assert.deepEqual(ratingsOf(a).map((r) => r.max_score), [4, 9, 16, 25]);
});

Deno.test("riskHeatmap draws one coloured cell per model and risk, marking prior likelihoods", () => {
  const a = analysis();
  const svg = svgString(riskHeatmap(riskRows(a), { ratings: ratingsOf(a) }));
  assert.ok(svg.startsWith("<svg"));
  const cells = [...svg.matchAll(/<g[^>]*aria-label="cell"[^>]*>([\s\S]*?)<\/g>/g)]
    .flatMap((g) => g[1].match(/<rect /g) ?? []);
  assert.equal(cells.length, 22);
  assert.match(svg, /stroke-dasharray="3,2"/, "prior-only cells are dashed");
  assert.match(svg, />low \(1–4\)<\/text>/, "the colour legend names each rating and its range");
  assert.match(
    svg,
    />10<\/text>/,
    "the agentic model's LLM06 residual score is written in its cell",
  );
  assert.match(svg, />16\*<\/text>/, "an unmeasured risk (LLM05 prior 4 × 4) is starred");
  // threshold colours: 10 is "high" (#ff725c), 5 "medium" (#efb118), LLM10 (3 − 1 caps) × 2 = 4 "low" (#3ca951)
  for (const colour of ["#ff725c", "#efb118", "#3ca951"]) {
    assert.ok(svg.includes(`fill="${colour}"`), colour);
  }
  const inherent = svgString(riskHeatmap(riskRows(a), { score: "inherent" }));
  assert.match(inherent, />25<\/text>/);
  assert.ok(inherent.includes('fill="#a4161a"'), "25 is critical");
});
