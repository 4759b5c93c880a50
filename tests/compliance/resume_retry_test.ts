/**
 * Failed probes are never called complete: a compliance run whose probes failed with request
 * errors (fewer than the consecutive-failure stop) is incomplete, exits 1 with the count, and a
 * plain `--resume` retries exactly those probes (the failed records stay, superseded; the risk
 * analysis counts the latest attempts). Real CLI subprocesses against a SCRIPTED FAKE server
 * (tests/compliance/_scripted_server.ts, `error_once`: HTTP 500 the first time a probe is asked).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadProbeSets, RiskAnalysisSchema } from "../../lib/compliance/mod.ts";
import { ManifestSchema } from "../../lib/results/mod.ts";
import { runCli } from "../helpers/mod.ts";
import { onlyFile, readComplianceLines, writeComplianceConfig } from "./_helpers.ts";
import { scriptedModelsYaml, startScriptedServer } from "./_scripted_server.ts";

const { probes } = await loadProbeSets();
const SET = "system_prompt_leakage";
const planned = probes.filter((p) => p.set === SET);
// Two probes apart (never two failures in a row: the stop is at 3 consecutive).
const flaky = [planned[1].id, planned[4].id];

Deno.test("a compliance run with failed probes exits 1 with the count, and a plain --resume retries exactly them", async () => {
  const server = startScriptedServer(
    probes,
    Object.fromEntries(flaky.map((id) => [id, "error_once" as const])),
  );
  try {
    const root = await Deno.makeTempDir();
    const configDir = await writeComplianceConfig(
      join(root, "configs"),
      scriptedModelsYaml(server.baseUrl),
    );
    const resultsDir = join(root, "results");
    const where = ["--results-dir", resultsDir, "--output-dir", join(root, "report")];
    const first = await runCli("lib/cli/compliance.ts", [
      ...["--models", "scripted", "--probe-sets", SET, "--config-dir", configDir],
      ...where,
    ]);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, new RegExp(`2 failed request\\(s\\) of ${planned.length} probes`));
    const before = await readComplianceLines(resultsDir);
    assert.deepEqual(
      before.filter((r) => r.error !== null).map((r) => r.probe_id).sort(),
      [
        ...flaky,
      ].sort(),
    );
    const manifestPath = onlyFile(resultsDir, "experiment_config_");
    const status = async () =>
      ManifestSchema.parse(JSON.parse(await Deno.readTextFile(manifestPath))).runs[0].status;
    assert.equal(await status(), "interrupted");

    const resumed = await runCli("lib/cli/compliance.ts", [
      "--resume",
      "--config-dir",
      configDir,
      ...where,
    ]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(
      resumed.stdout,
      new RegExp(`\\[Resume\\] scripted: ${planned.length - 2}/${planned.length} already recorded`),
    );
    const after = await readComplianceLines(resultsDir);
    // The failed records stay, superseded by their retries (attempt 1); nothing else twice.
    assert.equal(after.length, planned.length + 2);
    const retries = after.filter((r) => r.attempt === 1);
    assert.deepEqual(retries.map((r) => r.probe_id).sort(), [...flaky].sort());
    assert.ok(retries.every((r) => r.error === null && r.verdict === "pass"));
    assert.equal(server.asked.length, planned.length + 2);
    assert.equal(await status(), "complete");
    // The risk analysis of the resumed run counts every probe once, by its latest attempt.
    const reports = [...Deno.readDirSync(join(root, "report"))].map((e) => e.name)
      .filter((n) => n.startsWith("risk_analysis_")).sort();
    const analysis = RiskAnalysisSchema.parse(
      JSON.parse(await Deno.readTextFile(join(root, "report", reports.at(-1)!))),
    );
    const risk = analysis.models[0].risks.find((r) => r.probes_run > 0)!;
    assert.equal(risk.probes_run, planned.length);
  } finally {
    await server.close();
  }
});
