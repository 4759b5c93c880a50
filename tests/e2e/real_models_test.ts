/**
 * End to end on real answers: the two real instruction-tuned-or-base models (SmolLM2-135M-Instruct
 * and Gemma 3 270M, installed by `deno task setup --models`) through every eval task, the perf
 * scenarios and the compliance probes on the embedded engine, then one report over these runs and
 * stories260K's (three models). Sample sizes fit CI on 2 cores. What must hold for real models is
 * asserted (records complete, no crash on any answer form, the invalid rate stated, determinism at
 * temperature 0), never a model's accuracy.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EvalRecordSchema,
  EvalSummarySchema,
  PerfRecordSchema,
  readJsonl,
} from "../../lib/results/mod.ts";
import { realModelPath, runCli } from "../helpers/mod.ts";

const MODELS = ["smollm2_135m_instruct", "gemma3_270m"] as const;
for (const key of MODELS) await realModelPath(key); // fails with the setup command when missing

const root = await Deno.makeTempDir({ prefix: "e2e-real-" });
const results = join(root, "results");
await Deno.mkdir(results);

/** Every eval task, with a sample size that fits CI. */
const TASKS: [string, string[]][] = [
  ["banking77", ["--sample-size", "8"]],
  ["banking77", ["--sample-size", "4", "--shots", "2"]],
  ["financial_phrasebank", ["--sample-size", "6"]],
  ["financial_phrasebank", ["--sample-size", "3", "--constrained"]],
  ["coding", ["--sample-size", "2"]],
  ["mmlu_mini", ["--sample-size", "6"]],
  ["gsm8k_mini", ["--sample-size", "2"]],
  ["summarization", ["--sample-size", "2"]],
  ["realistic", ["--sample-size", "5"]],
];

async function must(script: string, args: string[]): Promise<string> {
  const out = await runCli(script, args);
  assert.equal(out.code, 0, `${script} ${args.join(" ")}\n${out.stdout}\n${out.stderr}`);
  return out.stdout + out.stderr;
}

function summaries() {
  return [...Deno.readDirSync(results)]
    .filter((e) => /^(eval|realistic)_.*\.json$/.test(e.name))
    .map((e) => EvalSummarySchema.parse(JSON.parse(Deno.readTextFileSync(join(results, e.name)))));
}

for (const model of MODELS) {
  Deno.test({
    name:
      `${model}: every eval task runs to completion on real answers, with the invalid rate stated`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      for (const [task, args] of TASKS) {
        await must("lib/cli/eval.ts", [
          "--task",
          task,
          "--model",
          model,
          "--results-dir",
          results,
          ...args,
        ]);
      }
      const mine = summaries().filter((s) => s.model_key === model);
      assert.equal(mine.length, TASKS.length);
      for (const s of mine) {
        assert.equal(s.complete, true, `${s.task} complete`);
        const m = s.metrics as Record<string, unknown>;
        assert.equal(typeof m.n, "number");
        assert.ok((m.n as number) > 0, `${s.task}: n`);
        assert.equal(typeof m.invalid_rate, "number", `${s.task}: invalid rate stated`);
        assert.equal(m.error_rate, 0, `${s.task}: no request failed`);
        // Every sample has its record, with the raw answer kept.
        const { records } = await readJsonl(join(results, s.records_file), EvalRecordSchema);
        const rows = records as { sample_id: string; raw_output: string; error: string | null }[];
        const ids = new Set(rows.map((r) => r.sample_id));
        assert.equal(ids.size, m.n, `${s.task}: one record per sample`);
        assert.ok(rows.every((r) => typeof r.raw_output === "string" && r.error === null));
      }
    },
  });

  Deno.test({
    name: `${model}: the three perf scenarios and the compliance probes run on the embedded engine`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const perf = await must("lib/cli/perf.ts", [
        "--models",
        model,
        "--runs",
        "2",
        "--warmup",
        "1",
        "--results-dir",
        results,
      ]);
      assert.match(perf, /Valid JSON: +\d+\.\d% \[95% CI/, "json_extraction's valid-JSON rate");
      const records = [];
      for (const e of Deno.readDirSync(results)) {
        if (!e.name.startsWith("perf_") || !e.name.endsWith(".jsonl")) continue;
        records.push(...(await readJsonl(join(results, e.name), PerfRecordSchema)).records);
      }
      const mine = records.filter((r) => r.model_key === model);
      assert.equal(mine.length, 9);
      assert.ok(mine.every((r) => r.error === null && r.output_tokens! > 0 && r.ttft_ms! > 0));
      assert.ok(mine.every((r) => r.peak_rss_bytes! > 50 * 2 ** 20));
      await must("lib/cli/compliance.ts", [
        "--models",
        model,
        "--limit",
        "1",
        "--results-dir",
        results,
        "--output-dir",
        join(results, "..", `compliance-${model}`),
      ]);
    },
  });
}

Deno.test({
  name: "temperature 0 is deterministic: the same eval twice gives the same raw answers",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "e2e-determinism-" });
    const answers: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const out = join(dir, String(i));
      await must("lib/cli/eval.ts", [
        "--task",
        "financial_phrasebank",
        "--model",
        "smollm2_135m_instruct",
        "--sample-size",
        "6",
        "--results-dir",
        out,
      ]);
      const file = [...Deno.readDirSync(out)].find((e) => e.name.endsWith(".jsonl"))!.name;
      const { records } = await readJsonl(join(out, file), EvalRecordSchema);
      answers.push(
        (records as { sample_id: string; raw_output: string }[])
          .sort((a, b) => a.sample_id.localeCompare(b.sample_id)).map((r) => r.raw_output),
      );
    }
    assert.deepEqual(answers[1], answers[0]);
  },
});

Deno.test({
  name: "one report over the real runs and stories260K's: three models, every section filled",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // The real-model tests above fill the folder (they run first in this file); stories260K adds
    // a third model.
    await must("lib/cli/perf.ts", [
      "--models",
      "stories260k",
      "--scenarios",
      "interactive_assistant",
      "--runs",
      "2",
      "--warmup",
      "0",
      "--results-dir",
      results,
    ]);
    const out = join(root, "report");
    const log = await must("lib/cli/report.ts", [
      "--input",
      results,
      "--output",
      out,
      "--figures-dir",
      join(out, "figures"),
      "--format",
      "md,csv",
    ]);
    assert.match(log, /Report from/);
    const md = Deno.readTextFileSync(
      join(out, [...Deno.readDirSync(out)].find((e) => e.name.endsWith(".md"))!.name),
    );
    for (const model of [...MODELS, "stories260k"]) assert.ok(md.includes(model), model);
    for (
      const section of [
        "Performance",
        "Capability",
        "Invalid answers by cause",
        "MMLU per subject",
        "Summarization",
        "Realistic banking cases",
      ]
    ) {
      assert.match(md, new RegExp(`#+ .*${section}`), section);
    }
  },
});
