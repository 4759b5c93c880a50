/**
 * Mapping a free-text answer to one label of a closed label set (Banking77, Financial
 * PhraseBank), read as a careful reader reads it.
 *
 * The whole answer is read ({@linkcode answerBody}): reasoning blocks (`<think>…</think>`) and
 * code fences are removed and the answer is cut where the model starts inventing the next
 * example (`Query:`, `Sentence:`, a new chat turn). A JSON object (the constrained form) gives
 * its `label` field. Otherwise:
 *
 * 1. **Stated answers**: the value after an introducing word on any line (`Intent:`, `Label:`,
 *    `Sentiment:`, `Answer:`, `Category:`, `Class:`, also `the intent is …`; the value may be on
 *    the next line), and the first line when it is a label by itself. Each is resolved as a
 *    candidate (below). When they name one label, that is the answer; two different labels, or
 *    an ambiguous candidate, make the answer invalid (`several_labels`).
 * 2. **Mentions**, when nothing is stated: the labels the answer names as whole words (spaced,
 *    title-case and underscore forms alike), a mention inside a longer one not counted (the
 *    `exchange rate` in `wrong exchange rate for cash withdrawal`), a negated mention (`not
 *    positive`) dropped. One label named is the answer; two or more, or only negated ones, are
 *    `several_labels`; none is `no_label`.
 *
 * A candidate (a stated value) resolves, in order, by `exact` spelling; `normalized` equality
 * (lower case; `_`, `-`, `/` and punctuation become spaces); as ambiguous when negated (`not
 * positive`) or when its words are part of several labels (`refund`: `request_refund`,
 * `refund_not_showing_up`); as the one label it `contained`s (a mention, as above; several are
 * ambiguous: `neutral/positive`); else as the label `similar` to it by Sørensen–Dice on
 * character bigrams (spaces removed, 2·|A∩B| / (|A| + |B|) over bigram multisets) at or above
 * the threshold (default 0.5), a tie at the top being ambiguous. Only label-shaped candidates
 * (one identifier, or at most three words and no question) take the similarity step.
 * @module
 */
import { answerBody } from "./_answer_text.ts";

/** How an answer was mapped to a label. */
export type LabelMatchMethod = "exact" | "normalized" | "contained" | "similar" | "none";

/**
 * Why an answer maps to no label: nothing names a label (`no_label`), it names or is
 * consistent with more than one (`several_labels`), there is no answer text (`empty`), or it
 * stops inside an answer (`unfinished`: an open JSON object, `Intent:` with nothing after it, a
 * label identifier cut short such as `card_not_wor`).
 */
export type LabelInvalidReason = "no_label" | "several_labels" | "empty" | "unfinished";

/** The outcome of {@linkcode matchLabel}. */
export interface LabelMatch {
  /** The label, as spelled in the label set; null when the answer is invalid. */
  label: string | null;
  method: LabelMatchMethod;
  /** Dice similarity of the best label (1 for exact, normalised and contained matches). */
  similarity: number;
  /** The answer text that was matched, after cleaning. */
  answer: string;
  /** Why the answer is invalid; null when it has a label. */
  invalid: LabelInvalidReason | null;
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
 * spaces collapse and are trimmed. A camel-case boundary (`cardArrival`) also becomes a space.
 *
 * @example
 * ```ts
 * import { normalizeLabel } from "./_labels.ts";
 * if (normalizeLabel("  Card_Arrival! ") !== "card arrival") throw new Error();
 * ```
 */
export function normalizeLabel(text: string): string {
  return text.replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2").toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
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

/** Words that introduce the answer on a line: `Intent:`, `Label -`, `The sentiment is`. */
const INTRODUCED =
  /^[\s>*#_-]*(?:(?:the|my|final|predicted|correct)\s+)*(?:intent|label|sentiment|answer|category|class|classification)(?:\s+(?:name|label))?\s*(?::|=|-|–|\bis\b|\bwould be\b)\s*(.*)$/i;
/** `… the intent is X` / `… the sentiment would be X` inside a sentence. */
const INTRODUCED_INLINE =
  /\b(?:intent|label|sentiment|category|classification)\s+(?:of\s+(?:this|the)\s+\w+\s+)?(?:is|would be|should be)\s*:?\s*([^\n]+)/i;
/** Negations that turn a mention into "not this label". */
const NEGATION = /(?:\bnot|\bno|\bnon|n't|\bneither|\bnor|\bwithout)\s*$/i;

interface PreparedLabel {
  label: string;
  norm: string;
  words: string[];
}

function prepareLabels(labels: readonly string[]): PreparedLabel[] {
  return labels.map((label) => {
    const norm = normalizeLabel(label);
    return { label, norm, words: norm.split(" ").filter(Boolean) };
  }).filter((l) => l.norm !== "");
}

/** Quotes, backticks, Markdown emphasis, brackets and trailing punctuation around a value. */
function cleanValue(text: string): string {
  return text.trim()
    .replace(/^[\s"'`*_\[(<{•-]+/, "")
    .replace(/[\s"'`*_\])>}.!,;:]+$/, "")
    .trim();
}

interface Mention {
  label: string;
  start: number;
  end: number;
  negated: boolean;
}

interface Token {
  /** Normalised word; for an identifier (`card_arrival`), all its words joined by spaces. */
  w: string;
  at: number;
  /** Written as one identifier with underscores: it names a label only as a whole. */
  ident: boolean;
  /** Starts with a capital letter as written (`Card Arrival`). */
  cap: boolean;
}

function tokens(text: string): Token[] {
  return [...text.matchAll(/[\p{L}\p{N}_]+/gu)].flatMap((m): Token[] => {
    const norm = normalizeLabel(m[0]);
    if (norm === "") return [];
    if (/[\p{L}\p{N}]_+[\p{L}\p{N}]/u.test(m[0])) {
      return [{ w: norm, at: m.index!, ident: true, cap: false }];
    }
    const parts = m[0].replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2").split(" ");
    return norm.split(" ").map((w, k) => ({
      w,
      at: m.index!,
      ident: false,
      cap: /^\p{Lu}/u.test(parts[k] ?? ""),
    }));
  });
}

/**
 * Where labels occur in a text as whole words, a mention inside a longer one removed. An
 * identifier such as `card_acceptance_not_supported` names only the label it spells entirely.
 * In `strict` mode (free text, not a stated value) a label of several words is named only as an
 * identifier (`exchange_rate`) or in title case (`Exchange Rate`): `the foreign exchange rate`
 * in a sentence is words, not a label.
 */
function mentions(text: string, labels: PreparedLabel[], strict = false): Mention[] {
  const words = tokens(text);
  const found: Mention[] = [];
  for (const l of labels) {
    for (let i = 0; i < words.length; i++) {
      const span = words[i].ident
        ? (words[i].w === l.norm ? 1 : 0)
        : (i + l.words.length <= words.length &&
            l.words.every((w, k) => !words[i + k].ident && words[i + k].w === w) &&
            (!strict || l.words.length === 1 ||
              l.words.every((_, k) => words[i + k].cap)))
        ? l.words.length
        : 0;
      if (span === 0) continue;
      const before = text.slice(Math.max(0, words[i].at - 12), words[i].at);
      found.push({ label: l.label, start: i, end: i + span, negated: NEGATION.test(before) });
    }
  }
  return found.filter((m) =>
    !found.some((o) =>
      o !== m && o.start <= m.start && o.end >= m.end && o.end - o.start > m.end - m.start
    )
  );
}

interface Resolved {
  label: string | null;
  method: LabelMatchMethod;
  similarity: number;
  ambiguous: boolean;
}

const NONE: Resolved = { label: null, method: "none", similarity: 0, ambiguous: false };

function bestSimilar(
  value: string,
  labels: PreparedLabel[],
): { label: string | null; score: number; tied: boolean } {
  let best: string | null = null;
  let score = -1;
  let tied = false;
  for (const l of labels) {
    const s = diceSimilarity(value, l.norm);
    if (s > score) {
      best = l.label;
      score = s;
      tied = false;
    } else if (s === score) {
      tied = true;
    }
  }
  return { label: best, score: Math.max(score, 0), tied };
}

/** Whether a value looks like a label: one identifier, or at most three words and no question. */
function labelShaped(value: string): boolean {
  if (/^[\p{L}\p{N}]+(?:[_-][\p{L}\p{N}]+)*$/u.test(value)) return true;
  return !/[?]/.test(value) && value.split(/\s+/).length <= 3;
}

/** Resolve one stated value (see the module documentation for the order of the steps). */
function resolveCandidate(raw: string, labels: PreparedLabel[], threshold: number): Resolved {
  const value = cleanValue(raw);
  if (value === "") return NONE;
  const exact = labels.find((l) => l.label === value);
  if (exact) return { label: exact.label, method: "exact", similarity: 1, ambiguous: false };
  const norm = normalizeLabel(value);
  const normalized = labels.find((l) => l.norm === norm);
  if (normalized) {
    return { label: normalized.label, method: "normalized", similarity: 1, ambiguous: false };
  }
  if (norm === "") return NONE;
  const ambiguous = { ...NONE, ambiguous: true };
  if (NEGATION.test(value.split(/\s+/)[0] + " ") || /^(?:not|no|non)\b/i.test(value)) {
    return ambiguous;
  }
  const words = norm.split(" ");
  const partOf = labels.filter((l) =>
    l.words.length > words.length &&
    l.words.some((_, i) => words.every((w, k) => l.words[i + k] === w))
  );
  const named = mentions(value, labels);
  if (named.length === 0 && partOf.length > 1) return ambiguous;
  const kept = [...new Set(named.filter((m) => !m.negated).map((m) => m.label))];
  if (kept.length === 1) {
    return { label: kept[0], method: "contained", similarity: 1, ambiguous: false };
  }
  if (kept.length > 1 || named.length > 0) return ambiguous;
  // Only a label-shaped value can be a misspelt label (`card_arival`, `Card Arival`): a sentence
  // restating the query (`Was my top up reversed?`) is not compared by bigrams.
  const best = bestSimilar(norm, labels);
  if (!labelShaped(value)) return { ...NONE, similarity: best.score };
  if (best.label === null || best.score < threshold) return { ...NONE, similarity: best.score };
  if (best.tied) return { ...ambiguous, similarity: best.score };
  return { label: best.label, method: "similar", similarity: best.score, ambiguous: false };
}

/**
 * The values stated after an introducing word, in order (`introduced`), the other non-empty
 * lines (`plain`), and the first non-empty line.
 */
function statedValues(body: string): { values: string[]; plain: string[]; firstLine: string } {
  const lines = body.split(/\r?\n/).map((l) => l.trim());
  const values: string[] = [];
  const plain: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = INTRODUCED.exec(lines[i]) ?? INTRODUCED_INLINE.exec(lines[i]);
    if (!m) {
      if (lines[i] !== "") plain.push(lines[i]);
      continue;
    }
    let value = m[1].trim();
    if (cleanValue(value) === "") {
      // `Intent:` alone on its line: the value is on the next non-empty line.
      const next = lines.slice(i + 1).find((l) => l !== "");
      value = next ?? "";
    }
    // A value is one clause: `card_arrival. The customer ...` states card_arrival.
    value = value.split(/(?<=[^\s.])\.\s+(?=[A-Z])|\s+(?:because|since|as)\s+|\s*[(—]|\s+-\s+/)[0];
    values.push(value);
  }
  return { values, plain, firstLine: lines.find((l) => l !== "") ?? "" };
}

/** A bulleted or numbered line holding one identifier-like item (`- card_payment_fee_charged`). */
const BULLET = /^\s*(?:[-*•+]|\d+[.)])\s+[`"'*]*([\p{L}\p{N}_]+(?:\s+[\p{L}\p{N}_]+)*)[`"'*]*\s*$/u;

/**
 * The distinct items of a bulleted list of label-like entries (identifiers with underscores, or
 * labels): two or more are candidates offered, not one answer, whether or not each is a label.
 */
function candidateList(body: string, labels: PreparedLabel[]): Set<string> {
  const items = new Set<string>();
  for (const line of body.split("\n")) {
    const m = BULLET.exec(line);
    if (!m) continue;
    const norm = normalizeLabel(m[1]);
    if (m[1].includes("_") || labels.some((l) => l.norm === norm)) items.add(norm);
  }
  return items;
}

function jsonValue(body: string, field: string): string | null | undefined {
  const trimmed = body.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as Record<string, unknown>;
    const picked = value?.[field] ?? Object.values(value ?? {})[0];
    return typeof picked === "string" ? picked : null;
  } catch {
    // A cut or malformed object: the field's value when its closing quote arrived.
    const m = new RegExp(`"${field}"\\s*:\\s*"([^"\\n]*)"`).exec(trimmed);
    return m ? m[1] : null;
  }
}

/**
 * The answer text that a label is read from, for display: the JSON field of a JSON answer, else
 * the first stated value (after `Intent:` and the like), else the first non-empty line; quotes,
 * backticks, emphasis and trailing punctuation removed.
 */
export function cleanAnswer(text: string, jsonField = "label"): string {
  const body = answerBody(text);
  const json = jsonValue(body, jsonField);
  if (json !== undefined) return (json ?? "").trim();
  const { values, firstLine } = statedValues(body);
  return cleanValue(values[0] ?? firstLine);
}

/**
 * Map an answer to a label as a careful reader would (see the module documentation).
 *
 * @example
 * ```ts
 * import { matchLabel } from "./_labels.ts";
 * const labels = ["card_arrival", "card_linking"];
 * if (matchLabel("Intent:\nCard Arrival", labels).label !== "card_arrival") throw new Error();
 * if (matchLabel("card_arrival or card_linking", labels).invalid !== "several_labels") {
 *   throw new Error();
 * }
 * if (matchLabel("banana", labels).label !== null) throw new Error();
 * ```
 */
export function matchLabel(
  text: string,
  labels: readonly string[],
  options: MatchLabelOptions = {},
): LabelMatch {
  const threshold = options.threshold ?? 0.5;
  const prepared = prepareLabels(labels);
  const body = answerBody(text);
  const answer = cleanAnswer(text, options.jsonField);
  const invalid = (reason: LabelInvalidReason, similarity = 0): LabelMatch => ({
    label: null,
    method: "none",
    similarity,
    answer,
    invalid: reason,
  });
  if (body.trim() === "") return invalid("empty");
  const json = jsonValue(body, options.jsonField ?? "label");
  if (json !== undefined) {
    if (json === null) {
      // Cut inside the value (`{"label": "negative`): a complete label that begins no other
      // label is the answer; anything shorter is unfinished.
      const cut = new RegExp(`"${options.jsonField ?? "label"}"\\s*:\\s*"([^"\\n]*)$`)
        .exec(body.trim())?.[1].toLowerCase();
      const whole = cut ? prepared.filter((l) => l.label.toLowerCase().startsWith(cut)) : [];
      if (whole.length === 1 && whole[0].label.toLowerCase() === cut) {
        return { label: whole[0].label, method: "exact", similarity: 1, answer, invalid: null };
      }
      return invalid(openJson(body) ? "unfinished" : "no_label");
    }
    const r = resolveCandidate(json, prepared, threshold);
    if (r.label === null) return invalid(r.ambiguous ? "several_labels" : "no_label", r.similarity);
    return { label: r.label, method: r.method, similarity: r.similarity, answer, invalid: null };
  }
  if (candidateList(body, prepared).size > 1) return invalid("several_labels");
  const { values, plain, firstLine } = statedValues(body);
  const first = resolveCandidate(firstLine, prepared, threshold);
  const stated = values.map((v) => resolveCandidate(v, prepared, threshold));
  // A line that is a label by itself also states it (a list of labels states several).
  for (const line of plain) {
    const r = line === firstLine ? first : resolveCandidate(line, prepared, threshold);
    if (r.method === "exact" || r.method === "normalized") stated.push(r);
  }
  const named = [...new Set(stated.map((r) => r.label).filter((l): l is string => l !== null))];
  if (named.length > 1 || stated.some((r) => r.ambiguous)) return invalid("several_labels");
  if (named.length === 1) {
    const r = stated.find((s) => s.label === named[0])!;
    return { label: r.label, method: r.method, similarity: r.similarity, answer, invalid: null };
  }
  const all = mentions(body, prepared, true);
  const kept = [...new Set(all.filter((m) => !m.negated).map((m) => m.label))];
  if (kept.length === 1) {
    return { label: kept[0], method: "contained", similarity: 1, answer, invalid: null };
  }
  if (kept.length > 1 || all.length > 0) return invalid("several_labels");
  // Nothing named: a misspelt label on the first line (`card arival`).
  if (first.method === "similar") {
    return {
      label: first.label,
      method: "similar",
      similarity: first.similarity,
      answer,
      invalid: null,
    };
  }
  const reason = first.ambiguous
    ? "several_labels"
    : unfinished(body, prepared)
    ? "unfinished"
    : "no_label";
  return invalid(reason, first.similarity);
}

/** A JSON object that was opened and never closed (`{"label": "`). */
function openJson(body: string): boolean {
  const t = body.trim();
  try {
    JSON.parse(t);
    return false;
  } catch {
    return t.startsWith("{") && (t.match(/{/g) ?? []).length > (t.match(/}/g) ?? []).length;
  }
}

/**
 * Whether the answer stops inside an answer: its last line introduces a value that never came
 * (`Intent:`), or it ends in a label identifier cut short (`card_not_wor`).
 */
function unfinished(body: string, labels: PreparedLabel[]): boolean {
  const last = body.trimEnd().split("\n").at(-1)!.trim();
  const m = INTRODUCED.exec(last) ?? INTRODUCED_INLINE.exec(last);
  const value = m ? cleanValue(m[1]).toLowerCase() : "";
  if (m && value === "") return true;
  if (/(?:intent|label|sentiment|answer|category|class)\s*(?:is)?\s*:?$/i.test(last)) return true;
  const tail = /([\p{L}\p{N}]+(?:_[\p{L}\p{N}]*)*)$/u.exec(last)?.[1]?.toLowerCase() ?? "";
  // A cut value: the stated value, an identifier, or the whole answer, begun but not finished.
  const cut = m ? value : tail.includes("_") || last.toLowerCase() === tail ? tail : "";
  return cut !== "" && labels.some((l) => {
    const id = l.label.toLowerCase();
    return id.length > cut.length && (id.startsWith(cut) || l.norm.startsWith(cut));
  });
}
