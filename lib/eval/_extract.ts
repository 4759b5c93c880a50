/**
 * Answer extraction for multiple choice (MMLU letters) and arithmetic (GSM8K numbers).
 * @module
 */

/**
 * The chosen letter of a multiple-choice answer, or null:
 * 1. `answer is (B)` / `answer: B` anywhere (the last such phrase wins);
 * 2. else a letter at the very start (`B`, `(B)`, `B.`, `B) text`), unless another choice
 *    letter stands on the same line (`A or B` is ambiguous);
 * 3. else, when exactly one distinct standalone letter of the choices occurs, that letter.
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
  const set = letters.join("");
  const phrase = [...text.matchAll(new RegExp(`answer\\s*(?:is|:)\\s*\\(?([${set}])\\b`, "gi"))];
  if (phrase.length > 0) return phrase.at(-1)![1].toUpperCase();
  const letterSet = (t: string) =>
    new Set(
      [...t.matchAll(new RegExp(`(?<![A-Za-z])([${set}])(?![A-Za-z])`, "g"))].map((m) => m[1]),
    );
  const trimmed = text.trim();
  const lead = trimmed.match(new RegExp(`^\\(?([${set}${set.toLowerCase()}])(?:[).:\\s]|$)`));
  if (lead) {
    // "A or B": another choice letter on the same line makes the answer ambiguous.
    const others = letterSet(trimmed.split("\n")[0].slice(lead[0].length));
    others.delete(lead[1].toUpperCase());
    return others.size === 0 ? lead[1].toUpperCase() : null;
  }
  const standalone = letterSet(text);
  return standalone.size === 1 ? [...standalone][0] : null;
}

const NUMBER = /-?\$?\d[\d,]*(?:\.\d+)?/g;

function cleanNumber(raw: string): string | null {
  const s = raw.replace(/[$,]/g, "").replace(/\.$/, "");
  if (!/^-?\d+(?:\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : null;
}

/**
 * The final numeric answer of a chain-of-thought answer, as a canonical decimal string (commas
 * and `$` removed, `7.00` → `7`), or null:
 * 1. the first number after the first `####` (few-shot models go on inventing new questions
 *    after their answer, so the first marker is the answer to this one);
 * 2. else the last number before any invented continuation (`\nQuestion:` / `\nQ:`).
 *
 * @example
 * ```ts
 * import { extractFinalNumber } from "./_extract.ts";
 * if (extractFinalNumber("3 + 4 = 7\n#### 1,007") !== "1007") throw new Error();
 * if (extractFinalNumber("She pays $18.00 in total.") !== "18") throw new Error();
 * ```
 */
export function extractFinalNumber(text: string): string | null {
  const marker = text.indexOf("####");
  if (marker >= 0) {
    const after = text.slice(marker + 4).match(NUMBER);
    if (after) return cleanNumber(after[0]);
  }
  const body = text.split(/\n\s*(?:Question|Q)\s*:/)[0];
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
