import { z } from "zod";
import { parseWithSchema, resolveProjectPath } from "../config/mod.ts";
import {
  loadGsm8k,
  loadMmlu,
  MMLU_SUBJECTS,
  type MmluSample,
  type MmluSubject,
  type ResolveDatasetOptions,
  seededSample,
  stratifiedSample,
} from "../datasets/mod.ts";
import type { ResolvedTask } from "./_config.ts";
import { type ChoiceSampleData, choiceScorer, numericScorer } from "./scorers.ts";
import { type EvalTask, renderTemplate } from "./task.ts";

type Kind<K extends ResolvedTask["kind"]> = Extract<ResolvedTask, { kind: K }>;

function questionBlock(s: MmluSample): string {
  return `${s.question.trim()}\n${s.choices.map((c, i) => `${"ABCD"[i]}. ${c.trim()}`).join("\n")}`;
}

/**
 * MMLU mini: the six finance/economics subjects, a sample stratified by subject when
 * `sample_size` is set, each prompt with the first `shots` dev questions of its subject (the
 * standard 5-shot format); scored by the answer letter, per subject and overall.
 */
export async function buildMmlu(
  task: Kind<"mmlu">,
  seed: number,
  data: ResolveDatasetOptions,
): Promise<EvalTask> {
  const subjects = (task.subjects ?? [...MMLU_SUBJECTS]) as MmluSubject[];
  const test = await loadMmlu({ ...data, subjects, split: "test" });
  const dev = await loadMmlu({ ...data, subjects, split: "dev" });
  const chosen = task.sample_size === null || task.sample_size >= test.length
    ? test
    : stratifiedSample(test, task.sample_size, { seed, key: (s) => s.subject });
  const examples = new Map<string, string>();
  for (const subject of subjects) {
    const shots = dev.filter((d) => d.subject === subject).slice(0, task.shots);
    examples.set(
      subject,
      shots.map((d) => `${questionBlock(d)}\nAnswer: ${d.answer}\n\n`).join(""),
    );
  }
  const samples = chosen.map((s) => ({
    id: s.id,
    group: s.subject,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, {
      subject: s.subject.replace(/_/g, " "),
      examples: examples.get(s.subject)!,
      question: questionBlock(s),
    }),
    reference: s.answer,
    data: { choices: s.choices.map((c) => c.trim()) } satisfies ChoiceSampleData,
  }));
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: task.max_tokens,
    jsonSchema: null,
    scorer: choiceScorer(),
    labels: null,
    hasAccuracy: true,
    meanScores: [],
    settings: { sample_size: task.sample_size, shots: task.shots, subjects },
    close: () => Promise.resolve(),
  };
}

const ExemplarSchema = z.object({
  question: z.string().min(1),
  answer: z.string().includes("####"),
});

/**
 * GSM8K mini: a seeded sample of the test problems, each prompt with the first `shots` worked
 * chain-of-thought exemplars; scored by exact numeric match of the final number.
 */
export async function buildGsm8k(
  task: Kind<"gsm8k">,
  seed: number,
  data: ResolveDatasetOptions,
): Promise<EvalTask> {
  const file = resolveProjectPath(task.exemplars_file);
  const exemplars = (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim() !== "")
    .map((line, i) => parseWithSchema(JSON.parse(line), ExemplarSchema, `${file}:${i + 1}`));
  if (task.shots > exemplars.length) {
    throw new RangeError(
      `Task '${task.name}' asks for ${task.shots} shots: ${file} holds ${exemplars.length}`,
    );
  }
  const test = await loadGsm8k(data);
  const chosen = task.sample_size === null || task.sample_size >= test.length
    ? test
    : seededSample(test, task.sample_size, { seed });
  const examples = exemplars.slice(0, task.shots)
    .map((e) => `Question: ${e.question}\nAnswer: ${e.answer}\n\n`).join("");
  const samples = chosen.map((s) => ({
    id: s.id,
    group: null,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, { examples, question: s.question }),
    reference: s.finalAnswer,
  }));
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: task.max_tokens,
    jsonSchema: null,
    scorer: numericScorer(),
    labels: null,
    hasAccuracy: true,
    meanScores: [],
    settings: {
      sample_size: task.sample_size,
      shots: task.shots,
      answer_extraction: "number after the first ####, else the last number",
    },
    close: () => Promise.resolve(),
  };
}
