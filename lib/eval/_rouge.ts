/**
 * ROUGE F1 scores (Lin 2004), written to agree with Google's `rouge-score` package without
 * stemming (`RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)`):
 *
 * - Tokenizer: lower-case, then every run of characters outside `[a-z0-9]` is a separator, so
 *   tokens are ASCII alphanumeric runs (`"Don't"` → `don`, `t`; accented letters separate
 *   tokens). No stemming, no stop-word removal.
 * - ROUGE-N: clipped n-gram overlap; precision = overlap / candidate n-grams, recall = overlap /
 *   reference n-grams, F1 = 2PR / (P + R), 0 when either side has no n-gram.
 * - ROUGE-L: longest common subsequence over the whole token sequences (rouge-score's `rougeL`,
 *   not the sentence-split `rougeLsum`); P = LCS / candidate tokens, R = LCS / reference tokens.
 * @module
 */

/** Precision, recall and F1 of one ROUGE variant. Higher is better for all three. */
export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

/** ROUGE-1, ROUGE-2 and ROUGE-L of a candidate against a reference. */
export interface RougeScores {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeL: RougeScore;
}

/**
 * The ROUGE tokenizer: lower-case ASCII alphanumeric runs.
 *
 * @example
 * ```ts
 * import { rougeTokens } from "./_rouge.ts";
 * if (rougeTokens("The Bank's Q3 loss!").join(" ") !== "the bank s q3 loss") throw new Error();
 * ```
 */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t !== "");
}

function fScore(overlap: number, candidate: number, reference: number): RougeScore {
  const precision = candidate === 0 ? 0 : overlap / candidate;
  const recall = reference === 0 ? 0 : overlap / reference;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(" ");
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N of token lists (clipped n-gram counts). */
export function rougeN(candidate: string[], reference: string[], n: number): RougeScore {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`rougeN() needs n >= 1: current value is ${n}`);
  }
  const c = ngramCounts(candidate, n);
  const r = ngramCounts(reference, n);
  let overlap = 0;
  for (const [g, count] of c) overlap += Math.min(count, r.get(g) ?? 0);
  return fScore(
    overlap,
    Math.max(candidate.length - n + 1, 0),
    Math.max(reference.length - n + 1, 0),
  );
}

/** Length of the longest common subsequence (O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** ROUGE-L of token lists. */
export function rougeL(candidate: string[], reference: string[]): RougeScore {
  return fScore(lcsLength(candidate, reference), candidate.length, reference.length);
}

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L of two texts.
 *
 * @example
 * ```ts
 * import { rouge } from "./_rouge.ts";
 * // cand "the cat sat", ref "the cat ran": unigrams 2/3 each way → F1 2/3
 * if (Math.abs(rouge("The cat sat.", "the cat ran").rouge1.f1 - 2 / 3) > 1e-12) throw new Error();
 * ```
 */
export function rouge(candidate: string, reference: string): RougeScores {
  const c = rougeTokens(candidate);
  const r = rougeTokens(reference);
  return { rouge1: rougeN(c, r, 1), rouge2: rougeN(c, r, 2), rougeL: rougeL(c, r) };
}
