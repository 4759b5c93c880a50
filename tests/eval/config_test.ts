import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, loadProjectConfig, UnknownNameError } from "../../lib/config/mod.ts";
import { loadTasksConfig, resolveModelKey, resolveTask } from "../../lib/eval/mod.ts";
import { withTempDir } from "./_helpers.ts";

const { file, tasks } = await loadTasksConfig();
const { models } = await loadProjectConfig();

Deno.test("configs/tasks.yaml registers the seven tasks", () => {
  assert.deepEqual(Object.keys(tasks), [
    "banking77",
    "financial_phrasebank",
    "coding",
    "mmlu_mini",
    "gsm8k_mini",
    "summarization",
    "realistic",
  ]);
});

Deno.test("resolveTask() names the available tasks when the name is unknown", async () => {
  await assert.rejects(
    () => resolveTask(tasks, "bankin77", { file }),
    (e: Error) =>
      e instanceof UnknownNameError &&
      e.message ===
        "Unknown task 'bankin77': available are banking77, financial_phrasebank, coding, mmlu_mini, gsm8k_mini, summarization, realistic",
  );
});

Deno.test("resolveTask() applies flag overrides and reads the prompt files", async () => {
  const t = await resolveTask(tasks, "banking77", {
    file,
    overrides: { sample_size: 20, shots: 5, constrained: true },
  });
  assert.equal(t.kind, "banking77");
  assert.equal(t.name, "banking77");
  if (t.kind !== "banking77") throw new Error("unreachable");
  assert.equal(t.sample_size, 20);
  assert.equal(t.shots, 5);
  assert.equal(t.constrained, true);
  assert.match(t.prompt_template, /\{\{labels\}\}/);
  assert.match(t.system_prompt ?? "", /classif/);
});

Deno.test("resolveTask() refuses a flag that does not apply to the task's kind", async () => {
  await assert.rejects(
    () => resolveTask(tasks, "coding", { file, overrides: { shots: 3 } }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message ===
        "Cannot load config <command line>: '--shots' does not apply to task 'coding' (kind coding): current value is 3",
  );
});

Deno.test("resolveTask() validates overridden values with the task's schema", async () => {
  await assert.rejects(
    () => resolveTask(tasks, "banking77", { file, overrides: { sample_size: 0 } }),
    (e: Error) =>
      e instanceof ConfigError &&
      /'tasks\.banking77\.sample_size'.*current value is 0/.test(e.message),
  );
  await assert.rejects(
    () => resolveTask(tasks, "financial_phrasebank", { file, overrides: { agreement: "90Agree" } }),
    (e: Error) => e instanceof ConfigError && /agreement/.test(e.message),
  );
});

Deno.test("loadTasksConfig() names the file, field and value of a bad entry", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "tasks.yaml"),
      "tasks:\n  x:\n    kind: banking77\n    description: d\n    prompt_file: p\n    max_tokens: -1\n",
    );
    await assert.rejects(
      () => loadTasksConfig(dir),
      (e: Error) =>
        e instanceof ConfigError && e.message.includes(join(dir, "tasks.yaml")) &&
        e.message.includes("'tasks.x.max_tokens'") && e.message.endsWith("current value is -1"),
    );
  });
});

Deno.test("resolveModelKey() accepts a key or a model id configured exactly once", () => {
  assert.equal(resolveModelKey(models, "stories260k"), "stories260k");
  assert.equal(resolveModelKey(models, "mistralai/ministral-3-3b"), "ministral_3_3b_gguf");
});

Deno.test("resolveModelKey() refuses a model id shared by several entries, naming them", () => {
  assert.throws(
    () => resolveModelKey(models, "google/gemma-3n-e4b"),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.includes("several configured models (gemma_3n_e4b_gguf, gemma_3n_e4b_mlx)"),
  );
  assert.throws(
    () => resolveModelKey(models, "nope"),
    (e: Error) =>
      e instanceof UnknownNameError &&
      e.message.startsWith("Unknown model 'nope': available are stories260k"),
  );
});
