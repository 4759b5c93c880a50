/**
 * The task model (Inspect-style): a task is a dataset of samples, a prompt per sample, generation
 * settings and a scorer. Scorers are factories returning async functions (see scorers.ts).
 * @module
 */

/** One sample of a task, ready to send. */
export interface EvalSample {
  /** Dataset id; records and summaries are ordered by it. */
  id: string;
  /** Subgroup (MMLU subject, realistic category); null when none. */
  group: string | null;
  /** System prompt; null for none. */
  system: string | null;
  /** The user message (few-shot examples included). */
  prompt: string;
  /** The expected answer as text (label, letter, number, reference summary, ...). */
  reference: string;
  /** Whatever else the scorer needs (test code, case checks). */
  data?: unknown;
}

/**
 * The causes a scorer can see in the answer text itself; `unfinished`: the text stops inside an
 * answer (an open JSON object, `Intent:` with nothing after it, a label cut mid-word, a chain of
 * thought without its final answer), which the runner records as `truncated` when max_tokens cut
 * the answer and as `no_label` otherwise.
 */
export type ScoreInvalidReason = "no_label" | "several_labels" | "empty" | "unfinished";

/** What a scorer may know about how the answer was produced. */
export interface ScoreContext {
  /** The backend's finish reason (`length`: cut by max_tokens); null when unknown. */
  finishReason: string | null;
}

/** What a scorer says about one answer. */
export interface Score {
  /** The answer mapped to the answer space; null when it could not be mapped. */
  prediction: string | null;
  /** Right or wrong; null where the task scores otherwise. */
  correct: boolean | null;
  /** Primary score (1/0 for right/wrong, ROUGE-L F1 for summaries, share of checks passed). */
  score: number | null;
  /** Secondary scores by name. @default {} */
  scores?: Record<string, number | null>;
  /** False when the answer could not be mapped to the answer space. */
  valid: boolean;
  /**
   * Why an invalid answer could not be mapped: it names nothing of the answer space
   * (`no_label`, the default), more than one thing (`several_labels`), there is no answer text
   * (`empty`), or it stops inside an answer (`unfinished`). @default "no_label" when invalid
   */
  invalidReason?: ScoreInvalidReason | null;
  /** Evidence (match method, sandbox status, check results). @default {} */
  details?: Record<string, unknown>;
}

/** Scores one answer to one sample. */
export type Scorer = (
  output: string,
  sample: EvalSample,
  context?: ScoreContext,
) => Promise<Score>;

/** A built task: samples sorted by id, generation settings and its scorer. */
export interface EvalTask {
  name: string;
  kind: string;
  samples: EvalSample[];
  maxTokens: number;
  /** Output constraint sent with every request (constrained decoding); null for none. */
  jsonSchema: Record<string, unknown> | null;
  scorer: Scorer;
  /** Closed label set of a classification task (macro-F1, per-class F1, confusion); else null. */
  labels: string[] | null;
  /** Whether right/wrong applies (accuracy with a Wilson interval). */
  hasAccuracy: boolean;
  /** Secondary score names averaged in the summary (mean with a t interval). */
  meanScores: string[];
  /** Settings recorded in the summary. */
  settings: Record<string, unknown>;
  /** Release resources (embedding engine). */
  close(): Promise<void>;
}

/**
 * Fill `{{name}}` placeholders; a placeholder without a value is an error (a template typo must
 * not send a prompt with a literal `{{...}}`).
 *
 * @example
 * ```ts
 * import { renderTemplate } from "./task.ts";
 * if (renderTemplate("Hi {{who}}!", { who: "Ada" }) !== "Hi Ada!") throw new Error();
 * ```
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_, name: string) => {
    if (!Object.hasOwn(values, name)) {
      throw new RangeError(
        `Prompt template has a placeholder without a value: {{${name}}} (values: ${
          Object.keys(values).join(", ") || "none"
        })`,
      );
    }
    return values[name];
  });
}
