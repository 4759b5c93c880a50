import assert from "node:assert/strict";
import { compareSampleIds } from "../../lib/datasets/mod.ts";
import { buildTask, loadTasksConfig, resolveTask, type TaskOverrides } from "../../lib/eval/mod.ts";
import { LOCAL_DATA } from "./_helpers.ts";

const { file, tasks } = await loadTasksConfig();
const build = async (name: string, overrides: TaskOverrides = {}, seed = 42) =>
  buildTask(await resolveTask(tasks, name, { file, overrides }), { seed, data: LOCAL_DATA });

Deno.test("banking77 draws a stratified sample sorted by id, with every label in every prompt", async () => {
  const t = await build("banking77", { sample_size: 77 });
  assert.equal(t.samples.length, 77);
  // 3080 test queries, 40 per intent: 77 stratified samples take one of each intent.
  assert.equal(new Set(t.samples.map((s) => s.reference)).size, 77);
  const ids = t.samples.map((s) => s.id);
  assert.deepEqual(ids, [...ids].sort(compareSampleIds));
  assert.equal(t.labels!.length, 77);
  for (const label of t.labels!) assert.ok(t.samples[0].prompt.includes(`- ${label}\n`), label);
  assert.equal(t.jsonSchema, null);
});

Deno.test("banking77 is the whole test split without a sample size", async () => {
  assert.equal((await build("banking77")).samples.length, 3080);
});

Deno.test("banking77 k-shot prompts share the same seeded train examples and prefix", async () => {
  const t = await build("banking77", { sample_size: 5, shots: 3, constrained: true });
  const prefix = (p: string) => p.slice(0, p.lastIndexOf("Query:"));
  const first = prefix(t.samples[0].prompt);
  assert.equal(first.match(/^Query: /gm)?.length, 3);
  for (const s of t.samples) assert.equal(prefix(s.prompt), first);
  assert.equal((t.settings.shot_ids as string[]).length, 3);
  assert.ok((t.settings.shot_ids as string[]).every((id) => id.startsWith("banking77/train/")));
  assert.deepEqual((t.jsonSchema as { required: string[] }).required, ["label"]);
  const other = await build("banking77", { sample_size: 5, shots: 3 }, 7);
  assert.notDeepEqual(other.settings.shot_ids, t.settings.shot_ids);
});

Deno.test("financial_phrasebank samples in proportion to the labels of the agreement subset", async () => {
  // 50Agree: 604 negative, 2879 neutral, 1363 positive of 4846; 100 → 12.46, 59.41, 28.13
  // → floors 12 + 59 + 28 = 99, the largest remainder (.46, negative) gets the last one.
  const t = await build("financial_phrasebank", { sample_size: 100 });
  const counts = Object.groupBy(t.samples, (s) => s.reference);
  assert.deepEqual([counts.negative?.length, counts.neutral?.length, counts.positive?.length], [
    13,
    59,
    28,
  ]);
  assert.deepEqual(t.labels, ["negative", "neutral", "positive"]);
});

Deno.test("mmlu_mini prompts hold five dev examples of the sample's own subject", async () => {
  const t = await build("mmlu_mini", { sample_size: 12 });
  assert.equal(t.samples.length, 12);
  for (const s of t.samples) {
    assert.equal(s.prompt.match(/^Answer: [ABCD]$/gm)?.length, 5);
    assert.ok(s.prompt.endsWith("Answer:"));
    assert.ok(s.prompt.includes(`about ${s.group!.replace(/_/g, " ")}.`));
  }
  assert.ok(new Set(t.samples.map((s) => s.group)).size >= 5);
});

Deno.test("gsm8k_mini prompts hold the chain-of-thought exemplars and the reference is a number", async () => {
  const t = await build("gsm8k_mini", { sample_size: 3 });
  for (const s of t.samples) {
    assert.equal(s.prompt.match(/####/g)?.length, 8 + 1); // 8 exemplars + the instruction
    assert.match(s.reference, /^-?\d+(\.\d+)?$/);
  }
});

Deno.test("summarization cuts long articles and needs no embedder by default", async () => {
  const t = await build("summarization", { sample_size: 4 });
  assert.equal(t.samples.length, 4);
  for (const s of t.samples) assert.ok(s.prompt.length < 6000 + 200);
  assert.deepEqual(t.meanScores, ["rouge1", "rouge2", "rougeL"]);
});

Deno.test("realistic builds every case with its category as group", async () => {
  const t = await build("realistic");
  assert.equal(t.samples.length, 18);
  assert.deepEqual([...new Set(t.samples.map((s) => s.group))].sort(), [
    "complaint_triage",
    "dispute_extraction",
    "kyc_extraction",
    "out_of_policy",
    "policy_faq",
  ]);
  const faq = t.samples.find((s) => s.id === "policy_faq/001")!;
  assert.ok(faq.prompt.includes("1.75% of the amount"));
  assert.ok(!faq.prompt.includes("{{"));
});
