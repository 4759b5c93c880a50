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
  let finite = 0;
  for (let i = 0; i < typed.length; i++) if (Number.isFinite(typed[i])) finite++;
  // Sized once (a hundred thousand pushes grow the array a dozen times).
  const out = new Array<number>(finite);
  let k = 0;
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i];
    if (Number.isFinite(v)) out[k++] = scale === 1 ? v : v / scale;
  }
  return out;
}

/** The finite numbers of `column` as a Float64 series, in Polars (nulls dropped). */
export function finiteSeries(frame: pl.DataFrame, column: string): pl.Series {
  const s = frame.getColumn(column).dropNulls().cast(pl.Float64);
  return s.filter(s.isFinite());
}

/** The finite numbers of `column` (nulls dropped), ascending: sorted by Polars. */
export function sortedValues(frame: pl.DataFrame, column: string): Float64Array {
  return finiteSeries(frame, column).sort().toTypedArray() as Float64Array;
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

/**
 * The groups of `frame` by `keys`, one at a time: each is filtered out of the frame when the
 * loop reaches it and is garbage once the loop moves on, so at most one group's copy exists
 * (`partitionBy` copies every group before the first is used: at a million rows, the whole frame
 * once more). Groups come in order of first appearance; a key's null is a group of its own.
 * Categorical keys are compared by their codes.
 */
export function* groupsOf(
  frame: pl.DataFrame,
  keys: readonly string[],
  index?: GroupIndex,
): Generator<pl.DataFrame> {
  if (frame.height === 0) return;
  // An index found on the same rows (another selection of the columns of the same frame).
  const found = index && index.height === frame.height && index.keys.join() === keys.join()
    ? index
    : groupIndex(frame, keys);
  for (const { combo, from, to } of found.groups) {
    let where: pl.Expr | null = null;
    for (const k of keys) {
      const v = combo[k];
      const one = v === null ? pl.col(k).isNull() : pl.col(k).toPhysical().eq(pl.lit(v));
      where = where === null ? one : where.and(one);
    }
    // Only the slices the combination was seen in hold its rows.
    yield frame.slice(from * SLICE, (to - from + 1) * SLICE).filter(where!);
  }
}

/**
 * Where the groups of a frame by some keys are (see {@linkcode groupIndex}): found once, it serves
 * every table grouped by the same keys over the same rows (the performance and percentile
 * tables), which `groupsOf` checks by the row count and the keys.
 */
export interface GroupIndex {
  height: number;
  keys: readonly string[];
  groups: { combo: Record<string, number | null>; from: number; to: number }[];
}

/** The groups of `frame` by `keys`, in order of first appearance, and the slices they are in. */
export function groupIndex(frame: pl.DataFrame, keys: readonly string[]): GroupIndex {
  return {
    height: frame.height,
    keys: [...keys],
    groups: frame.height === 0 ? [] : distinctKeys(frame, keys),
  };
}

/** Rows per slice when finding the distinct keys. */
const SLICE = 1 << 16;

/**
 * The distinct combinations of `keys` (physical values), in order of first appearance, each with
 * the first and last slice it appears in: found slice by slice (zero-copy slices of 65,536 rows),
 * since a unique over all the rows at once hashes a million rows of keys (about 110 MiB at a
 * million records).
 */
function distinctKeys(
  frame: pl.DataFrame,
  keys: readonly string[],
): { combo: Record<string, number | null>; from: number; to: number }[] {
  const physical = keys.map((k) => pl.col(k).toPhysical().alias(k));
  const seen = new Map<
    string,
    { combo: Record<string, number | null>; from: number; to: number }
  >();
  for (let offset = 0, slice = 0; offset < frame.height; offset += SLICE, slice++) {
    const combos = frame.slice(offset, SLICE).select(...physical).unique({ maintainOrder: true })
      .toRecords() as Record<string, number | null>[];
    for (const combo of combos) {
      const id = keys.map((k) => String(combo[k])).join("\u0000");
      const known = seen.get(id);
      if (known) known.to = slice;
      else seen.set(id, { combo, from: slice, to: slice });
    }
  }
  return [...seen.values()];
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
