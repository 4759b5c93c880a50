/**
 * Mapping a free-text answer to one label of a closed label set (Banking77, Financial
 * PhraseBank), in this order:
 *
 * 1. `exact`: the cleaned answer equals a label as spelled.
 * 2. `normalized`: equal after normalisation (lower case; `_`, `-`, `/` and punctuation become
 *    spaces; runs of spaces collapse): `Card Arrival.` → `card arrival` = `card_arrival`.
 * 3. `contained`: the normalised answer contains a normalised label as whole words; the longest
 *    such label wins (`the intent is card arrival` → `card_arrival`). Two different labels of the
 *    same longest length are ambiguous and fall through.
 * 4. `similar`: the label with the highest Sørensen–Dice coefficient on character bigrams of the
 *    normalised strings with spaces removed, 2·|A∩B| / (|A| + |B|) over bigram multisets
 *    (1 = same bigrams, 0 = none shared), when it reaches the threshold (default 0.5). A tie
 *    between two labels at the top score is ambiguous: the answer is invalid.
 *
 * An answer that reaches none of these is invalid (prediction null).
 * @module
 */

/** How an answer was mapped to a label. */
export type LabelMatchMethod = "exact" | "normalized" | "contained" | "similar" | "none";

/** The outcome of {@linkcode matchLabel}. */
export interface LabelMatch {
  /** The label, as spelled in the label set; null when the answer is invalid. */
  label: string | null;
  method: LabelMatchMethod;
  /** Dice similarity of the best label (1 for exact, normalised and contained matches). */
  similarity: number;
  /** The answer text that was matched, after cleaning. */
  answer: string;
}

/** Options for {@linkcode matchLabel}. */
export interface MatchLabelOptions {
  /** Lowest Dice similarity accepted by the `similar` step. @default 0.5 */
  threshold?: number;
  /** JSON field that holds the answer when the output is a JSON object. @default "label" */
  jsonField?: string;
}

/**
 * Lower-case; `_`, `-`, `/` and every character that is not a letter or digit become spaces;
 * spaces collapse and are trimmed.
 *
 * @example
 * ```ts
 * import { normalizeLabel } from "./_labels.ts";
 * if (normalizeLabel("  Card_Arrival! ") !== "card arrival") throw new Error();
 * ```
 */
export function normalizeLabel(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

function bigrams(text: string): Map<string, number> {
  const s = text.replace(/ /g, "");
  const counts = new Map<string, number>();
  for (let i = 0; i + 1 < s.length; i++) {
    const g = s.slice(i, i + 2);
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}

/**
 * Sørensen–Dice coefficient on character-bigram multisets of the normalised strings with spaces
 * removed, in [0, 1]. Two strings without any bigram score 1 when equal and 0 otherwise.
 *
 * @example
 * ```ts
 * import { diceSimilarity } from "./_labels.ts";
 * // "night" → ni ig gh ht, "nacht" → na ac ch ht: 1 shared of 4 + 4 → 2·1/8 = 0.25
 * if (diceSimilarity("night", "nacht") !== 0.25) throw new Error();
 * ```
 */
export function diceSimilarity(a: string, b: string): number {
  const na = normalizeLabel(a);
  const nb = normalizeLabel(b);
  const ga = bigrams(na);
  const gb = bigrams(nb);
  let sizeA = 0;
  let sizeB = 0;
  for (const c of ga.values()) sizeA += c;
  for (const c of gb.values()) sizeB += c;
  if (sizeA + sizeB === 0) return na.replace(/ /g, "") === nb.replace(/ /g, "") ? 1 : 0;
  let shared = 0;
  for (const [g, c] of ga) shared += Math.min(c, gb.get(g) ?? 0);
  return (2 * shared) / (sizeA + sizeB);
}

/**
 * Clean a model answer before matching: a JSON object's `jsonField` value when the answer is a
 * JSON object (constrained output), else the first non-empty line with surrounding quotes,
 * backticks, a leading `Intent:`/`Label:`/`Answer:`/`Sentiment:` and trailing punctuation removed.
 */
export function cleanAnswer(text: string, jsonField = "label"): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      const field = value?.[jsonField] ?? Object.values(value ?? {})[0];
      if (typeof field === "string") return field.trim();
    } catch {
      // not JSON: match the text itself
    }
  }
  const line = trimmed.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line
    .replace(
      /^(?:the\s+)?(?:intent|label|answer|category|sentiment|class)\s*(?:is)?\s*[:=-]?\s*/i,
      "",
    )
    .replace(/^["'`*]+|["'`*.!,;:]+$/g, "")
    .trim();
}

/**
 * Map an answer to a label (see the module documentation for the four steps and the threshold).
 *
 * @example
 * ```ts
 * import { matchLabel } from "./_labels.ts";
 * const labels = ["card_arrival", "card_linking"];
 * if (matchLabel("Card arrival.", labels).label !== "card_arrival") throw new Error();
 * if (matchLabel("banana", labels).label !== null) throw new Error();
 * ```
 */
export function matchLabel(
  text: string,
  labels: readonly string[],
  options: MatchLabelOptions = {},
): LabelMatch {
  const threshold = options.threshold ?? 0.5;
  const answer = cleanAnswer(text, options.jsonField);
  if (answer === "") return { label: null, method: "none", similarity: 0, answer };
  const exact = labels.find((l) => l === answer);
  if (exact !== undefined) return { label: exact, method: "exact", similarity: 1, answer };
  const normAnswer = normalizeLabel(answer);
  const normalized = labels.find((l) => normalizeLabel(l) === normAnswer);
  if (normalized !== undefined) {
    return { label: normalized, method: "normalized", similarity: 1, answer };
  }
  const padded = ` ${normAnswer} `;
  const contained = labels
    .map((label) => ({ label, norm: normalizeLabel(label) }))
    .filter(({ norm }) => norm !== "" && padded.includes(` ${norm} `))
    .sort((a, b) => b.norm.length - a.norm.length);
  if (
    contained.length > 0 &&
    (contained.length === 1 || contained[1].norm.length < contained[0].norm.length)
  ) {
    return { label: contained[0].label, method: "contained", similarity: 1, answer };
  }
  let best: string | null = null;
  let bestScore = -1;
  let tied = false;
  for (const label of labels) {
    const s = diceSimilarity(normAnswer, label);
    if (s > bestScore) {
      best = label;
      bestScore = s;
      tied = false;
    } else if (s === bestScore) {
      tied = true;
    }
  }
  if (best === null || tied || bestScore < threshold) {
    return { label: null, method: "none", similarity: Math.max(bestScore, 0), answer };
  }
  return { label: best, method: "similar", similarity: bestScore, answer };
}
