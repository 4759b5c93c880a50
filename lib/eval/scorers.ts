/**
 * Scorers: factories returning async functions `(output, sample) => Score` (Inspect-style).
 * @module
 */
import { answerBody, echoesPrompt } from "./_answer_text.ts";
import { extractFinalNumber, matchChoice, numbersEqual } from "./_extract.ts";
import { matchLabel } from "./_labels.ts";
import { type CaseCheck, type RealisticCase, runCheck } from "./_realistic.ts";
import { rouge } from "./_rouge.ts";
import type { EvalSample, Score, ScoreInvalidReason, Scorer } from "./task.ts";

/** Options for {@linkcode labelScorer}. */
export interface LabelScorerOptions {
  /** Lowest Dice similarity accepted for the closest label. @default 0.5 */
  threshold?: number;
  /** JSON field read when the answer is a JSON object (constrained output). @default "label" */
  jsonField?: string;
}

/**
 * Classification: map the answer to a label (exact, normalised, contained, closest; see
 * `_labels.ts`) and compare it with the reference label.
 */
export function labelScorer(labels: readonly string[], options: LabelScorerOptions = {}): Scorer {
  return (output, sample) => {
    const m = matchLabel(output, labels, {
      threshold: options.threshold,
      jsonField: options.jsonField,
    });
    return Promise.resolve({
      prediction: m.label,
      correct: m.label === sample.reference,
      score: m.label === sample.reference ? 1 : 0,
      valid: m.label !== null,
      invalidReason: unlessEcho(m.invalid, output, sample),
      details: { match: m.method, similarity: round(m.similarity), answer: m.answer },
    });
  };
}

/** What a multiple-choice sample carries for its scorer: the option texts, in letter order. */
export interface ChoiceSampleData {
  choices: string[];
}

/**
 * Multiple choice: the chosen letter (see `matchChoice`: answer patterns, or the text of one
 * option when the sample carries its options as `data.choices`) against the reference letter.
 */
export function choiceScorer(letters: readonly string[] = ["A", "B", "C", "D"]): Scorer {
  return (output, sample) => {
    const choices = (sample.data as Partial<ChoiceSampleData> | undefined)?.choices;
    const m = matchChoice(output, { letters, choices });
    return Promise.resolve({
      prediction: m.letter,
      correct: m.letter === sample.reference,
      score: m.letter === sample.reference ? 1 : 0,
      valid: m.letter !== null,
      invalidReason: unlessEcho(m.invalid, output, sample),
      details: { match: m.method },
    });
  };
}

/**
 * Arithmetic: the final number (after `####`, else the last number of an answer that was not
 * cut by max_tokens) equals the reference. A cut answer without `####` is unfinished.
 */
export function numericScorer(): Scorer {
  return (output, sample, context) => {
    const cut = context?.finishReason === "length";
    const number = extractFinalNumber(output, { cut });
    const ok = number !== null && numbersEqual(number, sample.reference);
    const blank = answerBody(output).trim() === "";
    return Promise.resolve({
      prediction: number,
      correct: ok,
      score: ok ? 1 : 0,
      valid: number !== null,
      invalidReason: number !== null
        ? null
        : blank
        ? "empty"
        : unlessEcho(cut ? "unfinished" : "no_label", output, sample),
    });
  };
}

/**
 * Summaries: ROUGE-1, ROUGE-2 and ROUGE-L F1 against the reference (tokenizer and definitions in
 * `_rouge.ts`); the primary score is ROUGE-L F1. An empty answer is invalid and scores 0.
 */
export function rougeScorer(): Scorer {
  return (output, sample) => {
    const r = rouge(output, sample.reference);
    return Promise.resolve({
      prediction: output.trim() === "" ? null : output.trim(),
      correct: null,
      score: r.rougeL.f1,
      scores: { rouge1: r.rouge1.f1, rouge2: r.rouge2.f1, rougeL: r.rougeL.f1 },
      valid: output.trim() !== "",
      invalidReason: output.trim() === "" ? "empty" : null,
    });
  };
}

/** Turns texts into vectors (an embedding model). */
export interface Embedder {
  /** Model key or id, recorded in settings. */
  readonly name: string;
  embed(text: string): Promise<readonly number[]>;
  close(): Promise<void>;
}

/** Cosine similarity of two vectors, in [-1, 1]; 0 when either is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new RangeError(`cosineSimilarity() needs equal lengths: ${a.length} and ${b.length}`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * `embedding_cosine`: cosine similarity of the embeddings of the answer and the reference (an
 * embedding-model similarity, not BERTScore). An empty answer scores null.
 */
export function embeddingScorer(embedder: Embedder): Scorer {
  return async (output, sample) => {
    if (output.trim() === "") {
      return {
        prediction: null,
        correct: null,
        score: null,
        scores: { embedding_cosine: null },
        valid: false,
        invalidReason: "empty",
      };
    }
    const [a, b] = [await embedder.embed(output), await embedder.embed(sample.reference)];
    const cos = cosineSimilarity(a, b);
    return {
      prediction: output.trim(),
      correct: null,
      score: cos,
      scores: { embedding_cosine: cos },
      valid: true,
    };
  };
}

/**
 * Run several scorers on the same answer: the first gives prediction, correctness and the primary
 * score; the `scores` and `details` of all are merged.
 */
export function combineScorers(primary: Scorer, ...others: Scorer[]): Scorer {
  return async (output, sample, context) => {
    const first = await primary(output, sample, context);
    const scores = { ...first.scores };
    const details = { ...first.details };
    for (const other of others) {
      const s = await other(output, sample, context);
      Object.assign(scores, s.scores);
      Object.assign(details, s.details);
    }
    return { ...first, scores, details };
  };
}

/** The checks of one realistic case, carried in `sample.data`. */
export interface RealisticSampleData {
  case: RealisticCase;
}

/**
 * Realistic cases: run every check of the case (`_realistic.ts`); correct when all pass, score
 * = share of checks passed, `check_<type>` = 1/0 per check type present. Invalid when a
 * `json_schema` check finds no JSON object, or the answer is empty.
 */
export function checksScorer(): Scorer {
  return (output, sample: EvalSample) => {
    const c = (sample.data as RealisticSampleData).case;
    const results = c.checks.map((check: CaseCheck) => runCheck(check, output, c));
    const passed = results.filter((r) => r.passed).length;
    const scores: Record<string, number | null> = {};
    for (const r of results) {
      const key = `check_${r.type}`;
      scores[key] = Math.min(scores[key] ?? 1, r.passed ? 1 : 0);
    }
    const noJson = results.some((r) =>
      r.type === "json_schema" && r.message === "no JSON object in the answer"
    );
    const ok = passed === results.length;
    return Promise.resolve(
      {
        prediction: ok ? "pass" : "fail",
        correct: ok,
        score: passed / results.length,
        scores,
        valid: output.trim() !== "" && !noJson,
        invalidReason: output.trim() === "" ? "empty" : noJson ? "no_label" : null,
        details: { checks: results },
      } satisfies Score,
    );
  };
}

/** An unfinished answer that only copies the prompt names nothing: `no_label`, not truncated. */
function unlessEcho<R extends ScoreInvalidReason | null>(
  reason: R,
  output: string,
  sample: EvalSample,
): R | "no_label" {
  return reason === "unfinished" && echoesPrompt(output, sample.prompt) ? "no_label" : reason;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
