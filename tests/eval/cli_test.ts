import assert from "node:assert/strict";
import { join } from "node:path";
import { main, summaryBlock, unsafeFlagNote } from "../../lib/cli/eval.ts";
import { UsageError } from "../../lib/cli/_common.ts";
import { ConfigError, UnknownNameError } from "../../lib/config/mod.ts";
import { EvalSummarySchema } from "../../lib/results/mod.ts";
import { LOCAL_DATA, ROOT, withTempDir } from "./_helpers.ts";

async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, "lib/cli/eval.ts"), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("deno task eval exits 2 on an unknown task, lists the tasks and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const results = join(dir, "results");
    const { code, stderr } = await cli(["--task", "bankin77", "--results-dir", results]);
    assert.equal(code, 2);
    assert.equal(
      stderr.trim(),
      "error: Unknown task 'bankin77': available are banking77, financial_phrasebank, coding, mmlu_mini, gsm8k_mini, summarization, realistic",
    );
    await assert.rejects(() => Deno.stat(results), Deno.errors.NotFound);
  });
});

Deno.test("main() refuses bad flag values before anything is written", async () => {
  await withTempDir(async (dir) => {
    const results = join(dir, "results");
    // An empty datasets folder: nothing can be read from it.
    await Deno.mkdir(join(dir, "nodata"));
    const base = ["--results-dir", results, "--data-dir", join(dir, "nodata")];
    await assert.rejects(
      () => main(["--task", "banking77", "--model", "google/gemma-3n-e4b", ...base]),
      (e: Error) => e instanceof ConfigError && /several configured models/.test(e.message),
    );
    await assert.rejects(
      () => main(["--task", "banking77", "--model", "gpt-99", ...base]),
      (e: Error) => e instanceof UnknownNameError && /^Unknown model 'gpt-99'/.test(e.message),
    );
    await assert.rejects(
      () => main(["--task", "banking77", "--sample-size", "ten", ...base]),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === 'Flag --sample-size must be an integer of at least 1: current value is "ten"',
    );
    await assert.rejects(
      () => main(["--task", "banking77", "--concurrency", "0", ...base]),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === "Flag --concurrency must be an integer of at least 1: current value is 0",
    );
    await assert.rejects(
      () => main(["--task", "coding", "--shots", "2", ...base]),
      (e: Error) =>
        e instanceof ConfigError && /'--shots' does not apply to task 'coding'/.test(e.message),
    );
    await assert.rejects(
      () => main(["--sample-size", "5", ...base]),
      (e: Error) => e instanceof ConfigError && /'--task' is required/.test(e.message),
    );
    await assert.rejects(
      () => main(["--resume", ...base]),
      (e: Error) =>
        e instanceof ConfigError && /has no unfinished eval run to resume/.test(e.message),
    );
    await assert.rejects(() => Deno.stat(results), Deno.errors.NotFound);
  });
});

Deno.test("summaryBlock() prints accuracy and macro-F1 as percentages with their intervals", () => {
  const summary = EvalSummarySchema.parse({
    schema_version: 1,
    kind: "eval_summary",
    run_id: "r",
    config_hash: "0".repeat(64),
    task: "banking77",
    model_key: "m",
    model_id: "m",
    backend: "openai",
    format: "GGUF",
    quantization: "Q4_K_M",
    complete: true,
    planned: 12,
    records_file: "x.jsonl",
    settings: {},
    metrics: {
      n: 12,
      invalid_rate: 1 / 12,
      error_rate: 0,
      invalid: 1,
      errors: 0,
      accuracy: { value: 0.75, ci95: [0.4677, 0.9111] },
      macro_f1: { value: 0.5, ci95: [0.25, 0.75] },
    },
    latency_ms: {
      mean: { value: 100, ci95: [90, 110] },
      median: { value: 99, ci95: [95, 105] },
      p90: { value: 120, ci95: [110, 130] },
    },
    created_at: "2025-01-01T00:00:00.000Z",
  });
  const text = summaryBlock(summary, { records: "a.jsonl", summary: "a.json" });
  assert.match(text, /Accuracy: +75\.0% \[95% CI: 46\.8, 91\.1\]/);
  assert.match(text, /Macro-F1: +50\.0% \[95% CI: 25\.0, 75\.0\]/);
  assert.match(text, /Invalid rate: +8\.3% \(1\)/);
});

Deno.test("summaryBlock() names each interval's method and the labels macro-F1 averages over", () => {
  const summary = EvalSummarySchema.parse({
    schema_version: 1,
    kind: "eval_summary",
    run_id: "r",
    config_hash: "0".repeat(64),
    task: "banking77",
    model_key: "m",
    model_id: "m",
    backend: "openai",
    format: "GGUF",
    quantization: "Q4_K_M",
    complete: true,
    planned: 12,
    records_file: "x.jsonl",
    settings: {},
    metrics: {
      n: 12,
      invalid_rate: 1 / 12,
      error_rate: 0,
      invalid: 1,
      errors: 0,
      accuracy: { value: 0.75, ci95: [0.4677, 0.9111], ci_method: "wilson" },
      macro_f1: {
        value: 0.5,
        ci95: [0.25, 0.75],
        ci_method: "bca_bootstrap",
        average: "labels present in the references",
        labels_averaged: 12,
        label_set_size: 77,
      },
    },
    latency_ms: {
      mean: { value: 100, ci95: [90, 110] },
      median: { value: 99, ci95: [95, 105] },
      p90: { value: 120, ci95: [110, 130] },
    },
    created_at: "2025-01-01T00:00:00.000Z",
  });
  const text = summaryBlock(summary, { records: "a.jsonl", summary: "a.json" });
  assert.match(text, /Accuracy: +75\.0% \[95% CI: 46\.8, 91\.1\] \(Wilson score\)/);
  assert.match(
    text,
    /Macro-F1: +50\.0% \[95% CI: 25\.0, 75\.0\] \(BCa bootstrap\) over 12 of 77 labels \(present in the references\)/,
  );
});

Deno.test({
  name: "--unsafe-no-sandbox where bwrap works says the sandbox is still used, and records it",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withTempDir(async (dir) => {
      const results = join(dir, "results");
      const { code, stderr } = await cli([
        ...["--task", "coding", "--model", "stories260k", "--sample-size", "1"],
        ...["--results-dir", results, "--data-dir", LOCAL_DATA.dataDir!, "--unsafe-no-sandbox"],
      ]);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /WITHOUT isolation/);
      assert.match(
        stderr,
        /^warning: --unsafe-no-sandbox changes nothing here: the bwrap sandbox works on this machine and model-written code still runs in it \(bubblewrap: new pid, network \(none\).*seccomp filter denying new namespaces.*\); the flag only allows running without isolation where no sandbox works$/m,
      );
      const [file] = [...Deno.readDirSync(results)].map((e) => e.name)
        .filter((n) => /^eval_coding_.*\.json$/.test(n));
      const summary = EvalSummarySchema.parse(
        JSON.parse(await Deno.readTextFile(join(results, file))),
      );
      assert.equal(summary.settings.sandbox, "bwrap");
      assert.equal(summary.settings.unsafe_no_sandbox, true);
      assert.match(String(summary.settings.isolation), /^bubblewrap: /);
    }),
});

Deno.test("unsafeFlagNote() says what the flag does where no sandbox works, and off the coding task", () => {
  assert.equal(
    unsafeFlagNote({ sandbox: "none", isolation: "NO isolation: the program runs as you" }),
    "--unsafe-no-sandbox: no sandbox works on this machine, so model-written code runs with NO " +
      "isolation: the program runs as you",
  );
  assert.equal(
    unsafeFlagNote({ sample_size: 3 }),
    "--unsafe-no-sandbox has no effect: only the coding task runs model-written code",
  );
});
