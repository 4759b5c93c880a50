/**
 * Output budgets of the classification tasks per mode (plain answer vs constrained JSON), checked
 * with the real tokenizers of the real instruction-tuned models and, for Financial PhraseBank,
 * by generating constrained answers on SmolLM2 with the embedded engine (a budget of 8 tokens
 * stopped every such answer at `{"label": "`).
 */
import assert from "node:assert/strict";
import "../helpers/mod.ts";
import {
  createBackend,
  releaseLlama,
  resolveModelFile,
  sharedLlama,
} from "../../lib/backends/mod.ts";
import { loadProjectConfig, type ModelConfig } from "../../lib/config/mod.ts";
import {
  buildTask,
  classificationMaxTokens,
  loadTasksConfig,
  matchLabel,
  resolveTask,
  type TaskOverrides,
} from "../../lib/eval/mod.ts";
import { LOCAL_DATA } from "./_helpers.ts";

const REAL_MODELS = ["smollm2_135m_instruct", "gemma3_270m"];
const project = await loadProjectConfig();
const { file, tasks } = await loadTasksConfig();
const classification = Object.entries(tasks).filter(([, t]) =>
  t.kind === "banking77" || t.kind === "financial_phrasebank"
).map(([name]) => name);
const build = async (name: string, overrides: TaskOverrides) =>
  buildTask(await resolveTask(tasks, name, { file, overrides }), { data: LOCAL_DATA });

Deno.test("classificationMaxTokens() keeps max_tokens for plain answers and sizes the JSON form", () => {
  const task = { max_tokens: 8, constrained: false, constrained_max_tokens: null };
  assert.equal(classificationMaxTokens(task, ["negative"]), 8);
  // {"label": "negative"}: 21 characters, plus a margin of 16.
  assert.equal(classificationMaxTokens({ ...task, constrained: true }, ["negative"]), 37);
  assert.equal(classificationMaxTokens({ ...task, max_tokens: 64, constrained: true }, ["x"]), 64);
  assert.equal(
    classificationMaxTokens({ ...task, constrained: true, constrained_max_tokens: 12 }, ["x"]),
    12,
  );
});

Deno.test("every classification task's budget holds its longest answer in each real model's tokens", async () => {
  const llama = await sharedLlama("off");
  try {
    for (const key of REAL_MODELS) {
      const model = project.models[key] as Extract<ModelConfig, { backend: "embedded" }>;
      const path = (await resolveModelFile(model, { download: false })).path;
      const vocab = await llama.loadModel({ modelPath: path, vocabOnly: true });
      const count = (text: string) => vocab.tokenize(text).length;
      try {
        for (const name of classification) {
          const plain = await build(name, { sample_size: 3 });
          const constrained = await build(name, { sample_size: 3, constrained: true });
          const longest = plain.labels!.reduce((a, b) => (count(b) > count(a) ? b : a));
          const word = tasks[name].kind === "banking77" ? "Intent" : "Sentiment";
          const forms = {
            plain: [`${word}: ${longest}`, `The ${word.toLowerCase()} is ${longest}.`],
            constrained: [
              JSON.stringify({ label: longest }),
              JSON.stringify({ label: longest }, null, 4),
              JSON.stringify({ label: longest }, null, "\t"),
            ],
          };
          for (const text of forms.plain) {
            assert.ok(count(text) <= plain.maxTokens, `${key} ${name} plain: ${text}`);
          }
          for (const text of forms.constrained) {
            assert.ok(count(text) <= constrained.maxTokens, `${key} ${name} JSON: ${text}`);
          }
        }
      } finally {
        await vocab.dispose();
      }
    }
  } finally {
    await releaseLlama("off");
  }
});

Deno.test("constrained Financial PhraseBank answers on SmolLM2 close their JSON within the budget", async () => {
  const task = await build("financial_phrasebank", { sample_size: 3, constrained: true });
  const { backend } = await createBackend(project.models.smollm2_135m_instruct, project.experiment);
  try {
    for (const sample of task.samples.slice(0, 2)) {
      const result = await backend.chat({
        messages: [
          { role: "system", content: sample.system! },
          { role: "user", content: sample.prompt },
        ],
        maxTokens: task.maxTokens,
        temperature: 0,
        seed: 42,
        jsonSchema: task.jsonSchema,
      });
      assert.equal(result.finishReason, "stop", result.text);
      const label = (JSON.parse(result.text) as { label: string }).label;
      assert.ok(task.labels!.includes(label), result.text);
      assert.equal(matchLabel(result.text, task.labels!).label, label);
    }
  } finally {
    await backend.close();
  }
});
