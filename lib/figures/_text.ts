/**
 * Text widths for laying out figures without a browser: advance widths of DejaVu Sans and DejaVu
 * Sans Bold (read from Debian's fonts-dejavu TTF files, in em), so margins and label positions are
 * computed before drawing. DejaVu Sans is the first family of every figure; Helvetica and Arial, the
 * fallbacks on a Mac without DejaVu, are narrower for every ASCII character, so a layout computed
 * here never clips there either.
 * @module
 */

/** Advances of ASCII 32..126, DejaVu Sans Book (em). */
const REGULAR = [
  0.3179,
  0.4009,
  0.46,
  0.8379,
  0.6362,
  0.9502,
  0.7798,
  0.2749,
  0.3901,
  0.3901,
  0.5,
  0.8379,
  0.3179,
  0.3608,
  0.3179,
  0.3369,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.6362,
  0.3369,
  0.3369,
  0.8379,
  0.8379,
  0.8379,
  0.5308,
  1.0,
  0.6841,
  0.686,
  0.6982,
  0.77,
  0.6318,
  0.5752,
  0.7749,
  0.752,
  0.2949,
  0.2949,
  0.6558,
  0.5571,
  0.8628,
  0.748,
  0.7871,
  0.603,
  0.7871,
  0.6948,
  0.6348,
  0.6108,
  0.7319,
  0.6841,
  0.9888,
  0.6851,
  0.6108,
  0.6851,
  0.3901,
  0.3369,
  0.3901,
  0.8379,
  0.5,
  0.5,
  0.6128,
  0.6348,
  0.5498,
  0.6348,
  0.6152,
  0.3521,
  0.6348,
  0.6338,
  0.2778,
  0.2778,
  0.5791,
  0.2778,
  0.9741,
  0.6338,
  0.6118,
  0.6348,
  0.6348,
  0.4111,
  0.521,
  0.3921,
  0.6338,
  0.5918,
  0.8179,
  0.5918,
  0.5918,
  0.5249,
  0.6362,
  0.3369,
  0.6362,
  0.8379,
];
/** Advances of ASCII 32..126, DejaVu Sans Bold (em). */
const BOLD = [
  0.3481,
  0.4561,
  0.521,
  0.8379,
  0.6958,
  1.002,
  0.8721,
  0.3062,
  0.457,
  0.457,
  0.5229,
  0.8379,
  0.3799,
  0.415,
  0.3799,
  0.3652,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.6958,
  0.3999,
  0.3999,
  0.8379,
  0.8379,
  0.8379,
  0.5801,
  1.0,
  0.7739,
  0.7622,
  0.7339,
  0.8301,
  0.6831,
  0.6831,
  0.8208,
  0.8369,
  0.3721,
  0.3721,
  0.7749,
  0.6372,
  0.9951,
  0.8369,
  0.8501,
  0.7329,
  0.8501,
  0.77,
  0.7202,
  0.6821,
  0.812,
  0.7739,
  1.103,
  0.771,
  0.7241,
  0.7251,
  0.457,
  0.3652,
  0.457,
  0.8379,
  0.5,
  0.5,
  0.6748,
  0.7158,
  0.5928,
  0.7158,
  0.6782,
  0.4351,
  0.7158,
  0.7119,
  0.3428,
  0.3428,
  0.665,
  0.3428,
  1.042,
  0.7119,
  0.687,
  0.7158,
  0.7158,
  0.4932,
  0.5952,
  0.478,
  0.7119,
  0.6519,
  0.9238,
  0.645,
  0.6519,
  0.582,
  0.7119,
  0.3652,
  0.7119,
  0.8379,
];
const REGULAR_EXTRA: Record<string, number> = {
  "–": 0.5,
  "—": 1.0,
  "−": 0.8379,
  "×": 0.8379,
  "·": 0.3179,
  "●": 0.8726,
  "■": 0.9448,
  "▲": 0.769,
  "◆": 0.769,
  "★": 0.8965,
  "±": 0.8379,
  "≤": 0.8379,
  "≥": 0.8379,
  "°": 0.5,
  "µ": 0.6362,
  "Δ": 0.6841,
  "…": 1.0,
  "→": 0.8379,
  "←": 0.8379,
  "é": 0.6152,
};
const BOLD_EXTRA: Record<string, number> = {
  "–": 0.5,
  "—": 1.0,
  "−": 0.8379,
  "×": 0.8379,
  "·": 0.3799,
  "●": 0.8726,
  "■": 0.9448,
  "▲": 0.769,
  "◆": 0.769,
  "★": 0.8965,
  "±": 0.8379,
  "≤": 0.8379,
  "≥": 0.8379,
  "°": 0.5,
  "µ": 0.7358,
  "Δ": 0.7739,
  "…": 1.0,
  "→": 0.8379,
  "←": 0.8379,
  "é": 0.6782,
};

/** Options for {@linkcode textWidth}. */
export interface TextWidthOptions {
  /** Font size in px. @default 12 */
  fontSize?: number;
  /** Bold face. @default false */
  bold?: boolean;
}

/**
 * Width in px of `text` set in DejaVu Sans (an upper bound for Helvetica and Arial); characters
 * outside the table count as one em.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textWidth } from "./_text.ts";
 * assert.ok(Math.abs(textWidth("TTFT", { fontSize: 10 }) - 24.08) < 0.01);
 * ```
 */
export function textWidth(text: string, options: TextWidthOptions = {}): number {
  const size = options.fontSize ?? 12;
  const table = options.bold ? BOLD : REGULAR;
  const extra = options.bold ? BOLD_EXTRA : REGULAR_EXTRA;
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    em += code >= 32 && code <= 126 ? table[code - 32] : extra[ch] ?? 1;
  }
  return em * size;
}

/** The widest of `texts` (px), 0 for none. */
export function maxTextWidth(texts: Iterable<string>, options: TextWidthOptions = {}): number {
  let max = 0;
  for (const t of texts) max = Math.max(max, textWidth(t, options));
  return max;
}
