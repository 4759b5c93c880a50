import {
  FINANCIAL_PHRASEBANK_LABELS,
  type FinancialPhraseBankAgreement,
  loadBanking77,
  loadBanking77Labels,
  loadFinancialPhraseBank,
  type ResolveDatasetOptions,
  seededSample,
  stratifiedSample,
} from "../datasets/mod.ts";
import type { ResolvedTask } from "./_config.ts";
import { labelScorer } from "./scorers.ts";
import { type EvalSample, type EvalTask, renderTemplate } from "./task.ts";

type Kind<K extends ResolvedTask["kind"]> = Extract<ResolvedTask, { kind: K }>;

/** JSON schema `{"label": <one of labels>}` sent when a classification task is constrained. */
export function labelEnumSchema(labels: readonly string[]): Record<string, unknown> {
  return {
    type: "object",
    properties: { label: { type: "string", enum: [...labels] } },
    required: ["label"],
    additionalProperties: false,
  };
}

/** Tokens of slack above the character count of the longest JSON answer (whitespace, quotes). */
const JSON_ANSWER_MARGIN = 16;

/**
 * The output budget of a classification task in its mode: `max_tokens` for plain answers; for
 * the constrained JSON form `constrained_max_tokens`, or when null the characters of the longest
 * valid answer `{"label": "<longest label>"}` plus {@linkcode JSON_ANSWER_MARGIN} (every token
 * of an ASCII label is at least one character, so the JSON answer fits), never below
 * `max_tokens`. A budget of 8 cut every Financial PhraseBank JSON answer at `{"label": "`.
 *
 * @example
 * ```ts
 * import { classificationMaxTokens } from "./_classification_tasks.ts";
 * const task = { max_tokens: 8, constrained: true, constrained_max_tokens: null };
 * // {"label": "negative"} is 21 characters: 21 + 16
 * if (classificationMaxTokens(task, ["negative", "neutral"]) !== 37) throw new Error();
 * ```
 */
export function classificationMaxTokens(
  task: { max_tokens: number; constrained: boolean; constrained_max_tokens: number | null },
  labels: readonly string[],
): number {
  if (!task.constrained) return task.max_tokens;
  if (task.constrained_max_tokens !== null) return task.constrained_max_tokens;
  const longest = Math.max(0, ...labels.map((l) => JSON.stringify({ label: l }).length + 1));
  return Math.max(task.max_tokens, longest + JSON_ANSWER_MARGIN);
}

function examplesBlock(
  examples: { text: string; label: string }[],
  inputName: string,
  answerName: string,
): string {
  if (examples.length === 0) return "";
  return `Examples:\n\n${
    examples.map((e) => `${inputName}: ${e.text}\n${answerName}: ${e.label}\n\n`).join("")
  }Now classify this one.\n\n`;
}

function classificationTask(
  task: ResolvedTask & {
    similarity_threshold: number;
    constrained: boolean;
    constrained_max_tokens: number | null;
    shots: number;
  },
  labels: string[],
  samples: EvalSample[],
  settings: Record<string, unknown>,
): EvalTask {
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: classificationMaxTokens(task, labels),
    jsonSchema: task.constrained ? labelEnumSchema(labels) : null,
    scorer: labelScorer(labels, { threshold: task.similarity_threshold }),
    labels,
    hasAccuracy: true,
    meanScores: [],
    settings: {
      sample_size: task.sample_size,
      shots: task.shots,
      constrained: task.constrained,
      similarity_threshold: task.similarity_threshold,
      label_matching: "whole answer, reasoning and fences removed, cut at an invented next " +
        "example; the label stated after Intent:/Sentiment:/Answer: or alone on a line, else the " +
        "one label named, else the closest label-shaped value by character-bigram Dice " +
        `similarity >= ${task.similarity_threshold}; two labels, a negation or a shared prefix ` +
        "are invalid",
      ...settings,
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Banking77: the test split (3080 queries, 77 intents), a stratified seeded sample when
 * `sample_size` is set, and `shots` examples drawn (seeded) from train, shared by every prompt
 * so that the labels and examples form one cacheable prefix.
 */
export async function buildBanking77(
  task: Kind<"banking77">,
  seed: number,
  data: ResolveDatasetOptions,
): Promise<EvalTask> {
  const labels = await loadBanking77Labels(data);
  const test = await loadBanking77({ ...data, split: "test" });
  const chosen = task.sample_size === null || task.sample_size >= test.length
    ? test
    : stratifiedSample(test, task.sample_size, { seed });
  const shots = task.shots > 0
    ? seededSample(await loadBanking77({ ...data, split: "train" }), task.shots, { seed })
    : [];
  const examples = examplesBlock(shots, "Query", "Intent");
  const labelList = labels.map((l) => `- ${l}`).join("\n");
  const samples = chosen.map((s) => ({
    id: s.id,
    group: null,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, { labels: labelList, examples, text: s.text }),
    reference: s.label,
  }));
  return classificationTask(task, labels, samples, {
    split: "test",
    shot_ids: shots.map((s) => s.id),
  });
}

/**
 * Financial PhraseBank: one agreement subset (default 50Agree), a stratified seeded sample when
 * `sample_size` is set; few-shot examples come from the sentences left out of the sample.
 */
export async function buildPhraseBank(
  task: Kind<"financial_phrasebank">,
  seed: number,
  data: ResolveDatasetOptions,
): Promise<EvalTask> {
  const all = await loadFinancialPhraseBank({
    ...data,
    agreement: task.agreement as FinancialPhraseBankAgreement,
  });
  const chosen = task.sample_size === null || task.sample_size >= all.length
    ? all
    : stratifiedSample(all, task.sample_size, { seed });
  const inSample = new Set(chosen.map((s) => s.id));
  const pool = all.filter((s) => !inSample.has(s.id));
  if (task.shots > pool.length) {
    throw new RangeError(
      `Task '${task.name}' needs ${task.shots} few-shot sentences outside the sample: ` +
        `only ${pool.length} are left (lower --shots or --sample-size)`,
    );
  }
  const shots = task.shots > 0 ? stratifiedSample(pool, task.shots, { seed }) : [];
  const labels = [...FINANCIAL_PHRASEBANK_LABELS];
  const examples = examplesBlock(shots, "Sentence", "Sentiment");
  const samples = chosen.map((s) => ({
    id: s.id,
    group: null,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, {
      labels: labels.join(", "),
      examples,
      text: s.text,
    }),
    reference: s.label,
  }));
  return classificationTask(task, labels, samples, {
    agreement: task.agreement,
    shot_ids: shots.map((s) => s.id),
  });
}
