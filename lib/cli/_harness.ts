// deno-lint-ignore-file no-console
/** `deno task eval --use-harness`: the same task through lm-evaluation-harness, side by side. @module */
import { join } from "node:path";
import {
  evalMetrics,
  type EvalSessionResult,
  HarnessError,
  harnessRecords,
  type PreparedEval,
  runHarness,
} from "../eval/mod.ts";
import { EvalSummarySchema } from "../results/mod.ts";
import { fmt } from "./_common.ts";

/** The OpenAI-compatible base URL (with /v1) of a served model, or null for the embedded engine. */
export function servedBaseUrl(
  model: PreparedEval["config"]["model"],
  override?: string,
): string | null {
  if (model.backend === "embedded") return null;
  const base = (override ?? (model as { base_url?: string }).base_url ?? "").replace(/\/+$/, "");
  if (!base) return null;
  return base.endsWith("/v1") ? base : `${base}/v1`;
}

/** Run the harness after the project's own run; prints both accuracies; returns the exit code. */
export async function harnessComparison(
  prepared: PreparedEval,
  result: EvalSessionResult,
  baseUrlFlag?: string,
): Promise<number> {
  const model = prepared.config.model;
  const baseUrl = servedBaseUrl(model, baseUrlFlag);
  if (!baseUrl) {
    console.error(
      `error: --use-harness needs a model served over HTTP (backend openai or lmstudio): ${prepared.plan.modelKey} is ${model.backend}`,
    );
    return 2;
  }
  const workDir = await Deno.makeTempDir({ prefix: "edge-bench-lm-eval-" });
  try {
    console.log(`\nlm-evaluation-harness: ${prepared.task.samples.length} samples on ${baseUrl}`);
    const harness = await runHarness(prepared.task, { modelId: model.model_id, baseUrl, workDir });
    const s = result.summary;
    const runId = `${s.run_id}_lm-eval`;
    const task = `${s.task}@lm-eval`;
    const records = await harnessRecords(prepared.task, harness, {
      schema_version: 1,
      kind: "eval",
      run_id: runId,
      config_hash: s.config_hash,
      task,
      model_key: s.model_key,
      model_id: s.model_id,
      backend: s.backend,
      format: s.format,
      quantization: s.quantization,
      seed: prepared.plan.seed,
      temperature: 0,
      max_tokens: prepared.task.maxTokens,
      host: Deno.hostname(),
      git_commit: null,
      timestamp: new Date().toISOString(),
    });
    const stem = prepared.files.records.replace(/\.jsonl$/, "") + "_lm-eval";
    const recordsFile = `${stem}.jsonl`;
    await Deno.writeTextFile(
      join(prepared.resultsDir, recordsFile),
      records.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const metrics = evalMetrics(records, prepared.task);
    const summary = EvalSummarySchema.parse({
      ...s,
      run_id: runId,
      task,
      complete: records.length === prepared.task.samples.length,
      planned: prepared.task.samples.length,
      records_file: recordsFile,
      settings: {
        ...s.settings,
        runner: "lm-evaluation-harness local-chat-completions",
        lm_eval_exact_match: harness.accuracy,
        command: harness.command.slice(1).join(" "),
      },
      ...metrics,
      created_at: new Date().toISOString(),
    });
    await Deno.writeTextFile(
      join(prepared.resultsDir, `${stem}.json`),
      JSON.stringify(summary, null, 2) + "\n",
    );
    const pct = (
      v: number | null | undefined,
    ) => (v === null || v === undefined ? "n/a" : `${fmt(v * 100, 1)}%`);
    console.log(`\nACCURACY SIDE BY SIDE  ${s.task} / ${s.model_key} (n=${records.length})`);
    console.log(`  edge-slm-bench, its own run and scorer:      ${pct(s.metrics.accuracy?.value)}`);
    console.log(`  lm-evaluation-harness, exact_match:          ${pct(harness.accuracy)}`);
    console.log(
      `  lm-evaluation-harness answers, our scorer:   ${pct(summary.metrics.accuracy?.value)}`,
    );
    console.log(`[Saved] lm-eval records: ${join(prepared.resultsDir, recordsFile)}`);
    return 0;
  } catch (error) {
    if (error instanceof HarnessError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}
