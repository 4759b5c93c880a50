/**
 * `deno task eval --models all` over a small model set (two embedded models on the shipped
 * stories260K file), and `--use-harness`: the same task through lm-evaluation-harness (lm_eval from
 * PyPI, `lm-eval[api]` in the user cache: no torch) against the real llama-cpp-python server with
 * SmolLM2-135M-Instruct. `deno task setup` (run by `deno task test`) installs both; without them the
 * test fails with the install line, it is never skipped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findLmEval, LM_EVAL_INSTALL } from "../../lib/eval/mod.ts";
import { findLlamaCppServer } from "../../lib/setup/mod.ts";
import { DATA_DIR, realModelPath, ROOT, runCli, startLlamaCppServer } from "../helpers/mod.ts";

async function configDir(models: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "eval-models-config-" });
  for (const f of ["experiment.yaml", "scenarios.yaml", "tasks.yaml"]) {
    await Deno.copyFile(join(ROOT, "configs", f), join(dir, f));
  }
  await Deno.writeTextFile(join(dir, "models.yaml"), models);
  return dir;
}

const embedded = (key: string) =>
  `  ${key}:
    backend: embedded
    name: ${key}
    model_id: test/${key}
    format: GGUF
    quantization: F32
    file: stories260K.gguf
    threads: 1
    context_size: 2048
`;

Deno.test("eval --models all runs each model of models.yaml in turn, one summary each, and lists them", async () => {
  const config = await configDir(`models:\n${embedded("tiny_a")}${embedded("tiny_b")}`);
  const results = await Deno.makeTempDir({ prefix: "eval-models-results-" });
  const out = await runCli("lib/cli/eval.ts", [
    "--task",
    "banking77",
    "--models",
    "all",
    "--sample-size",
    "3",
    "--config-dir",
    config,
    "--data-dir",
    DATA_DIR,
    "--results-dir",
    results,
  ]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const summaries = [...Deno.readDirSync(results)].map((e) => e.name).filter((n) =>
    /^eval_banking77_.+\.json$/.test(n)
  );
  assert.equal(summaries.length, 2, summaries.join(", "));
  const keys = summaries.map((n) => JSON.parse(Deno.readTextFileSync(join(results, n))).model_key);
  assert.deepEqual(keys.sort(), ["tiny_a", "tiny_b"]);
  assert.match(out.stdout, /\[1\/2\] tiny_a[\s\S]*\[2\/2\] tiny_b/);
  assert.match(out.stdout, /Models evaluated: 2\/2/);
  assert.equal((out.stdout.match(/RESULTS SUMMARY/g) ?? []).length, 2);
  const bad = await runCli("lib/cli/eval.ts", [
    "--task",
    "banking77",
    "--models",
    "tiny_a,nope",
    "--config-dir",
    config,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /nope/);
});

Deno.test({
  name:
    "eval --use-harness runs lm-evaluation-harness against the real llama-cpp-python server and prints both accuracies",
  async fn() {
    assert.ok(await findLmEval(), `lm_eval is not installed: ${LM_EVAL_INSTALL}`);
    assert.ok(
      await findLlamaCppServer(),
      "llama-cpp-python is not installed: deno task setup --server",
    );
    const model = await realModelPath("smollm2_135m_instruct");
    const srv = await startLlamaCppServer(model, { contextSize: 2048 });
    try {
      const config = await configDir(`models:
  smollm2_server:
    backend: openai
    name: SmolLM2-135M-Instruct on llama-cpp-python
    model_id: ${srv.alias}
    format: GGUF
    quantization: Q4_1
    base_url: ${srv.baseUrl}/v1
`);
      const results = await Deno.makeTempDir({ prefix: "eval-harness-results-" });
      const out = await runCli("lib/cli/eval.ts", [
        "--task",
        "financial_phrasebank",
        "--model",
        "smollm2_server",
        "--sample-size",
        "6",
        "--use-harness",
        "--config-dir",
        config,
        "--data-dir",
        DATA_DIR,
        "--results-dir",
        results,
      ]);
      assert.equal(out.code, 0, out.stdout + out.stderr);
      assert.match(
        out.stdout,
        /ACCURACY SIDE BY SIDE {2}financial_phrasebank \/ smollm2_server \(n=6\)/,
      );
      assert.match(out.stdout, /lm-evaluation-harness, exact_match: +\d+\.\d%/);
      const names = [...Deno.readDirSync(results)].map((e) => e.name);
      const harnessRecords = names.find((n) => n.endsWith("_lm-eval.jsonl"))!;
      const lines = Deno.readTextFileSync(join(results, harnessRecords)).trim().split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 6);
      for (const r of lines) {
        assert.equal(r.task, "financial_phrasebank@lm-eval");
        assert.equal(r.details.source, "lm-evaluation-harness");
        assert.equal(typeof r.details.lm_eval_exact_match, "number");
        assert.ok(r.raw_output.length > 0, "a real generated answer");
      }
      const summary = JSON.parse(
        Deno.readTextFileSync(join(results, harnessRecords.replace(/\.jsonl$/, ".json"))),
      );
      const exact = lines.reduce((a, r) => a + r.details.lm_eval_exact_match, 0) / lines.length;
      assert.ok(Math.abs(summary.settings.lm_eval_exact_match - exact) < 1e-9);
    } finally {
      await srv.stop();
    }
  },
});

Deno.test("eval --use-harness on an embedded model says it needs a served model", async () => {
  const config = await configDir(`models:\n${embedded("tiny_a")}`);
  const results = await Deno.makeTempDir({ prefix: "eval-harness-embedded-" });
  const out = await runCli("lib/cli/eval.ts", [
    "--task",
    "banking77",
    "--model",
    "tiny_a",
    "--sample-size",
    "2",
    "--use-harness",
    "--config-dir",
    config,
    "--data-dir",
    DATA_DIR,
    "--results-dir",
    results,
  ], { LM_EVAL: "/nonexistent/lm_eval" });
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--use-harness needs a model served over HTTP/);
  void LM_EVAL_INSTALL;
});
