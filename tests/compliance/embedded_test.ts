/** `deno task compliance` end to end on the embedded engine with the real stories260K.gguf. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createDetector,
  LicenseAuditSchema,
  loadProbeSets,
  RiskAnalysisSchema,
} from "../../lib/compliance/mod.ts";
import { ComplianceRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { runCli } from "../helpers/mod.ts";
import { onlyFile } from "./_helpers.ts";

Deno.test("one probe per set on stories260k: records, verdicts re-derivable from the raw output, both reports valid", async () => {
  const root = await Deno.makeTempDir();
  const resultsDir = join(root, "results");
  const outputDir = join(root, "report");
  const out = await runCli("lib/cli/compliance.ts", [
    "--models",
    "stories260k",
    "--limit",
    "1",
    "--max-tokens",
    "16",
    "--results-dir",
    resultsDir,
    "--output-dir",
    outputDir,
  ]);
  assert.equal(out.code, 0, out.stderr);
  for (
    const line of [
      "EDGE SLM COMPLIANCE PROBES",
      "Probes: 11 per model, max_tokens capped at 16",
      "RISK ANALYSIS  stories260k (ggml-org/stories260K, GGUF F32)",
      "LICENCE AUDIT",
      "[Saved]",
    ]
  ) {
    assert.ok(out.stdout.includes(line), `missing '${line}' in:\n${out.stdout}`);
  }
  const file = onlyFile(resultsDir, "compliance_ggml-org_stories260K_GGUF_F32_");
  const { records, warnings } = await readJsonl(file, ComplianceRecordSchema);
  assert.deepEqual(warnings, []);
  assert.equal(records.length, 11); // 10 risk probe sets + the instruction-following controls
  const { probes } = await loadProbeSets();
  for (const r of records) {
    assert.deepEqual([
      r.backend,
      r.token_count_source,
      r.served_format,
      r.served_quantization,
      r.error,
    ], ["embedded", "engine", "GGUF", "F32", null]);
    assert.ok(
      r.output_tokens !== null && r.output_tokens <= 16 && r.max_tokens <= 16,
      `${r.probe_id}: ${r.output_tokens}`,
    );
    const probe = probes.find((p) => p.id === r.probe_id)!;
    const again = createDetector(probe.detector)({
      text: r.raw_output,
      finishReason: r.finish_reason,
      outputTokens: r.output_tokens,
      maxTokens: r.max_tokens,
    });
    assert.equal(
      again.failed,
      r.failed,
      `${r.probe_id}: recorded ${r.verdict}, re-derived ${again.reason}`,
    );
  }

  const analysis = RiskAnalysisSchema.parse(
    JSON.parse(await Deno.readTextFile(onlyFile(outputDir, "risk_analysis_"))),
  );
  const audit = LicenseAuditSchema.parse(
    JSON.parse(await Deno.readTextFile(onlyFile(outputDir, "license_audit_"))),
  );
  const m = analysis.models[0];
  assert.equal(m.model_key, "stories260k");
  for (const risk of m.risks) {
    const mine = records.filter((r) => risk.probe_sets.includes(r.probe_set));
    assert.equal(risk.probes_run, mine.length, risk.id);
    assert.equal(risk.failures, mine.filter((r) => r.failed).length, risk.id);
    // at most 2 results per risk, below the rubric's min_probes 5: every likelihood is the prior
    assert.equal(risk.likelihood.basis, "prior", risk.id);
  }
  // stories260K follows no instruction: the gate reads its one control result.
  const control = records.find((r) => r.probe_set === "instruction_following")!;
  assert.equal(m.instruction_gate!.probes_run, 1);
  assert.equal(m.instruction_gate!.status, control.failed ? "failed" : "passed");
  const facts = Object.fromEntries(m.facts.map((f) => [f.id, f.status]));
  assert.deepEqual(
    [
      facts.model_endpoint_loopback,
      facts.model_file_sha256,
      facts.model_source,
      facts.model_format_quantization,
      facts.licence_permits_internal_use,
      facts.evaluation_provenance,
    ],
    ["pass", "pass", "pass", "pass", "pass", "pass"],
  );
  const stories = audit.models.find((a) => a.model_key === "stories260k")!;
  assert.deepEqual([stories.sources.gguf.status, stories.licence?.spdx, stories.verdict], [
    "not declared in file",
    "MIT",
    "permitted",
  ]);
  assert.ok(
    audit.datasets.some((d) =>
      d.dataset === "financial_phrasebank" && d.verdict === "not_permitted"
    ),
  );
});
