/**
 * Answer extraction for multiple choice (MMLU letters) and arithmetic (GSM8K numbers).
 * @module
 */
import { answerBody } from "./_answer_text.ts";

/**
 * Why an answer gives no choice or number; `unfinished`: it stops where the answer should come
 * (`The answer is`).
 */
export type ExtractInvalidReason = "no_label" | "several_labels" | "empty" | "unfinished";

/** The outcome of {@linkcode matchChoice}. */
export interface ChoiceMatch {
  /** The chosen letter, upper case; null when the answer is invalid. */
  letter: string | null;
  /** Which answer pattern gave the letter. */
  method: "phrase" | "line" | "option_text" | "none";
  /** Why no letter was chosen; null when one was. */
  invalid: ExtractInvalidReason | null;
}

/** Options for {@linkcode matchChoice}. */
export interface MatchChoiceOptions {
  /** The choice letters. @default ["A", "B", "C", "D"] */
  letters?: readonly string[];
  /** The option texts in letter order, to recognise an answer that repeats one. @default [] */
  choices?: readonly string[];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/**
 * The chosen letter of a multiple-choice answer, read only from answer patterns, never from a
 * word (the article `A`), after reasoning, fences and an invented next question are removed:
 * - phrases: `Answer: B`, `the answer is (B)`, `correct option is B`, `Option B`; a lower-case
 *   letter counts only when nothing but punctuation follows it (`the answer is a matter of
 *   opinion` is not A);
 * - lines that open with a letter pattern: `(B)`, `B.`, `B)`, `B:` followed by a space or the
 *   end, or a line that is only the letter (two or more options copied with their own text
 *   are a copy of the question, not an answer).
 * All these must name one letter: `A\n\nThe answer is D`, `A or B` and a list of options are
 * `several_labels`. When none is found, an answer whose first line is one option's text (or
 * holds exactly one option's text of three or more words) chooses that option.
 *
 * @example
 * ```ts
 * import { matchChoice } from "./_extract.ts";
 * if (matchChoice("D. A contract was formed").letter !== "D") throw new Error();
 * if (matchChoice("A tricky question; I am not sure.").letter !== null) throw new Error();
 * ```
 */
export function matchChoice(text: string, options: MatchChoiceOptions = {}): ChoiceMatch {
  const letters = options.letters ?? ["A", "B", "C", "D"];
  const set = letters.map(escape).join("");
  const body = answerBody(text).replace(/\*\*/g, "");
  if (body.trim() === "") return { letter: null, method: "none", invalid: "empty" };
  // Case-sensitive on purpose: the letter of `the answer is a matter` is an article.
  const letter = `(?:\\(([${set}${set.toLowerCase()}])\\)|([${set}])(?![\\p{L}\\p{N}])|` +
    `([${set.toLowerCase()}])(?=\\s*(?:[).:,;]|$)))`;
  const phrases = [
    `[Aa]nswer\\s*(?:[Ii]s|IS|:|=|would be|should be)?\\s*:?\\s*(?:[Oo]ption\\s+|[Cc]hoice\\s+)?${letter}`,
    `(?:[Cc]orrect|[Rr]ight|[Bb]est)\\s+(?:option|choice)\\s*(?:is|:)\\s*${letter}`,
    `^\\s*(?:[Oo]ption|[Cc]hoice)\\s+${letter}`,
  ];
  const stated = new Map<string, ChoiceMatch["method"]>();
  for (const source of phrases) {
    for (const p of body.matchAll(new RegExp(source, "gmu"))) {
      const chosen = (p[1] ?? p[2] ?? p[3]).toUpperCase();
      if (!stated.has(chosen)) stated.set(chosen, "phrase");
    }
  }
  // `A or B`, `B/C`: two letters offered as the answer.
  if (
    new RegExp(`^\\s*\\(?[${set}]\\)?\\s*(?:or|and|/|,)\\s*\\(?[${set}]\\)?(?![\\p{L}])`, "u").test(
      body,
    )
  ) {
    return { letter: null, method: "none", invalid: "several_labels" };
  }
  const line = new RegExp(
    `^\\s*(?:\\(([${set}${set.toLowerCase()}])\\)|([${set}])[.):](?=\\s|$)|([${set}${set.toLowerCase()}])\\s*[.)]?\\s*$)`,
    "u",
  );
  const choiceText = (options.choices ?? []).map(squash);
  const lines = body.split("\n").flatMap((l) => {
    const m = line.exec(l);
    if (!m) return [];
    const chosen = (m[1] ?? m[2] ?? m[3]).toUpperCase();
    const rest = squash(l.slice(m[0].length));
    return [{ chosen, echo: rest !== "" && rest === choiceText[letters.indexOf(chosen)] }];
  });
  // Two or more options repeated with their own text: the model copied the options, which
  // chooses nothing (one such line, `D. A contract was formed`, is an answer).
  const copied = lines.filter((l) => l.echo).length >= 2;
  for (const l of lines) {
    if (!(copied && l.echo) && !stated.has(l.chosen)) stated.set(l.chosen, "line");
  }
  // Every pattern must agree: `A\n\nThe answer is D` names two choices.
  if (stated.size === 1) {
    const [[chosen, method]] = [...stated];
    return { letter: chosen, method, invalid: null };
  }
  if (stated.size > 1) return { letter: null, method: "none", invalid: "several_labels" };
  const choices = choiceText;
  const first = squash(body.split("\n").find((l) => l.trim() !== "") ?? "");
  const equal = choices.flatMap((c, i) => (c !== "" && c === first ? [i] : []));
  const held = choices.flatMap((c, i) =>
    c.split(" ").length >= 3 && ` ${first} `.includes(` ${c} `) ? [i] : []
  );
  const chosen = equal.length === 1 ? equal : held;
  if (chosen.length === 1) {
    return { letter: letters[chosen[0]], method: "option_text", invalid: null };
  }
  const last = body.trimEnd().split("\n").at(-1)!;
  const open = /\b(?:answer|option|choice)\s*(?:is|:|would be|should be)?\s*:?\s*\(?$/i.test(last);
  return {
    letter: null,
    method: "none",
    invalid: chosen.length > 1 ? "several_labels" : open ? "unfinished" : "no_label",
  };
}

/**
 * The chosen letter of a multiple-choice answer, or null ({@linkcode matchChoice} without the
 * option texts).
 *
 * @example
 * ```ts
 * import { extractChoiceLetter } from "./_extract.ts";
 * if (extractChoiceLetter(" (c) because ...") !== "C") throw new Error();
 * if (extractChoiceLetter("A or B") !== null) throw new Error();
 * ```
 */
export function extractChoiceLetter(
  text: string,
  letters: readonly string[] = ["A", "B", "C", "D"],
): string | null {
  return matchChoice(text, { letters }).letter;
}

const NUMBER = /-?\$?\d[\d,]*(?:\.\d+)?/g;

/** Options for {@linkcode extractFinalNumber}. */
export interface ExtractFinalNumberOptions {
  /** The answer was cut by max_tokens: only a number after `####` counts. @default false */
  cut?: boolean;
}

function cleanNumber(raw: string): string | null {
  const s = raw.replace(/[$,]/g, "").replace(/\.$/, "");
  if (!/^-?\d+(?:\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : null;
}

/**
 * The final numeric answer of a chain-of-thought answer, as a canonical decimal string (commas
 * and `$` removed, `7.00` → `7`), or null, read after reasoning blocks and fences are removed:
 * 1. the first number after the first `####` (few-shot models go on inventing new questions
 *    after their answer, so the first marker is the answer to this one);
 * 2. else, unless the answer was `cut` by max_tokens, the last number before any invented
 *    continuation (`\nQuestion:` / `\nQ:`).
 *
 * @example
 * ```ts
 * import { extractFinalNumber } from "./_extract.ts";
 * if (extractFinalNumber("3 + 4 = 7\n#### 1,007") !== "1007") throw new Error();
 * if (extractFinalNumber("She pays $18.00 in total.") !== "18") throw new Error();
 * ```
 */
export function extractFinalNumber(
  text: string,
  options: ExtractFinalNumberOptions = {},
): string | null {
  const answer = answerBody(text);
  const marker = answer.indexOf("####");
  if (marker >= 0) {
    const after = answer.slice(marker + 4).match(NUMBER);
    if (after) return cleanNumber(after[0]);
  }
  // The last number of a chain of thought cut by max_tokens is a step, not the answer.
  if (options.cut) return null;
  const body = answer.split(/\n\s*(?:Question|Q)\s*:/)[0];
  const all = body.match(NUMBER);
  return all ? cleanNumber(all.at(-1)!) : null;
}

/** Whether two canonical numbers are equal (numeric comparison, 1e-9 relative tolerance). */
export function numbersEqual(a: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}
