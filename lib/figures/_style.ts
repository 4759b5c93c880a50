/** The look every figure shares: palette, format colours, Plot style, log-axis rule. @module */
import { FONT_FAMILY } from "./_render.ts";

/** Observable's categorical palette (colour-blind friendly, ten hues). */
export const PALETTE: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** Colours of the two model formats in every figure. */
export const FORMAT_COLOURS: Readonly<Record<string, string>> = { GGUF: "#4269d0", MLX: "#ff725c" };

/** Base font size of every figure (px). */
export const FONT_SIZE = 12;

/** The Plot `style` every figure uses. */
export const STYLE: Readonly<Record<string, string>> = {
  fontFamily: FONT_FAMILY,
  fontSize: `${FONT_SIZE}px`,
  background: "white",
};

/**
 * Whether positive values spanning more than two decades (max / min > 100) need a log axis.
 * Values ≤ 0 or not finite are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { needsLogScale } from "./_style.ts";
 * assert.equal(needsLogScale([3, 2900]), true);
 * assert.equal(needsLogScale([30, 290]), false);
 * ```
 */
export function needsLogScale(values: Iterable<number | null | undefined>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return Number.isFinite(lo) && hi / lo > 100;
}
