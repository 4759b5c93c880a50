/**
 * Reading columns of the perf frame without moving each value through JavaScript one by one:
 * numbers come out as one typed array (nulls dropped in Polars), distinct texts are found by
 * Polars, so a group of a hundred thousand requests costs a copy, not a hundred thousand calls.
 * @module
 */
import pl from "nodejs-polars";

/** The finite numbers of `column` (nulls dropped), each divided by `scale`. */
export function numericValues(frame: pl.DataFrame, column: string, scale = 1): number[] {
  const typed = frame.getColumn(column).dropNulls().cast(pl.Float64).toTypedArray() as Float64Array;
  const out: number[] = [];
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i];
    if (Number.isFinite(v)) out.push(scale === 1 ? v : v / scale);
  }
  return out;
}

/** The distinct values of a text column, sorted, joined by spaces. */
export function distinctText(frame: pl.DataFrame, column: string): string {
  return (frame.getColumn(column).unique().toArray() as (string | null)[])
    .filter((v): v is string => v !== null).sort().join(" ");
}

/** Rows of `frame` where boolean `column` is true (nulls are not). */
export function countTrue(frame: pl.DataFrame, column: string): number {
  return frame.filter(pl.col(column).eq(pl.lit(true))).height;
}

let dropped = 0;

/**
 * Say that Polars copies of `rows` rows just became garbage (a group's filtered frames). V8 does
 * not see the native memory behind a frame, so it would not collect them before the next million
 * rows pile up: past 131,072 such rows this runs a full collection where the process allows one
 * (`--v8-flags=--expose-gc`, as every `deno task` runs), which frees their native memory.
 */
export function droppedRows(rows: number): void {
  dropped += rows;
  if (dropped < 1 << 17) return;
  dropped = 0;
  (globalThis as { gc?: () => void }).gc?.();
}
