/**
 * The perf records frame, built from the blocks of lib/report/_perf_collect.ts (in this thread or
 * from workers): each block's typed arrays move into one Polars frame at once, the unit's text
 * fields joined as categoricals, so a million records never exist as a million objects, nor as a
 * million copies of their strings.
 * @module
 */
import pl from "nodejs-polars";
import { droppedRows } from "./_frame.ts";
import {
  Growing,
  PERF_NUMERIC,
  PERF_WINDOW,
  type PerfBlock,
  UNIT_FIELDS,
} from "./_perf_collect.ts";

export { PERF_NUMERIC, PERF_WINDOW } from "./_perf_collect.ts";

/**
 * Columns that hold counts (the record schema bounds them to 32-bit integers): kept as Int32, half
 * the memory of the other measurements' Float64.
 */
export const PERF_COUNTS: ReadonlySet<string> = new Set([
  "prompt_tokens",
  "output_tokens",
  "cached_prompt_tokens",
  "chunks",
  "multi_token_chunks",
  "sweep_prompt_tokens",
  "sweep_output_tokens",
  "concurrency",
  "window_size",
]);

/** A gathered number column in its frame type (NaN is null). */
const measured = (f: string) => {
  const filled = pl.col(f).fillNan(null);
  return PERF_COUNTS.has(f) ? filled.cast(pl.Int32).alias(f) : filled;
};

/** Columns of the perf records frame, in order. */
export const PERF_COLUMNS: readonly string[] = [
  "file",
  "line",
  ...UNIT_FIELDS,
  "repetition",
  "warmup",
  "ok",
  "output_valid",
  "prompt_cache_hit",
  "throttled",
  "sweep_prompt_exact",
  ...PERF_NUMERIC,
  ...PERF_WINDOW,
  "row",
];

/**
 * The inter-token gaps of every record, compactly (CSR): the gaps of frame row `i` (its `row`
 * column) are `gaps[start[i] .. start[i + 1])`, ms; `multi[j]` is 1 when gap `j` ends in a chunk
 * that carried several tokens.
 */
export interface PerfGaps {
  start: Int32Array;
  gaps: Float32Array;
  multi: Uint8Array;
}

/** Builds the perf frame from blocks; `frame()` returns it. */
export class PerfColumns {
  #units = new Map<string, number>();
  #unitRows: Record<string, string>[] = [];
  #frames: pl.DataFrame[] = [];
  #total = 0;
  #gapStart = new Growing((n) => new Int32Array(n));
  #gaps = new Growing((n) => new Float32Array(n));
  #multi = new Growing((n) => new Uint8Array(n));
  #unitFrame: pl.DataFrame | null = null;
  #unitFrameRows = 0;

  constructor() {
    this.#gapStart.push(0);
  }

  /** Records gathered so far. */
  get length(): number {
    return this.#total;
  }

  /** Add one block of a file's records (blocks in file order, files in folder order). */
  addBlock(block: PerfBlock): void {
    const n = block.n;
    if (n === 0) return;
    // The block's unit codes are its collector's: map them to this frame's.
    const map = block.units.map((u) => {
      let key = u.file;
      for (const f of UNIT_FIELDS) key += "\u0000" + u[f];
      let id = this.#units.get(key);
      if (id === undefined) {
        id = this.#unitRows.length;
        this.#units.set(key, id);
        this.#unitRows.push(u);
      }
      return id;
    });
    const unit = new Int32Array(n);
    for (let i = 0; i < n; i++) unit[i] = map[block.unit[i]];
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = this.#total + i;
    let end = this.#gaps.length;
    for (let i = 0; i < n; i++) {
      end += block.gapCounts[i];
      this.#gapStart.push(end);
    }
    this.#gaps.append(block.gaps);
    this.#multi.append(block.multi);
    // The flags go to Polars as small integers and become booleans there (a boolean series built
    // from JavaScript values costs a call per value).
    const codes = (name: string, xs: Uint8Array) => pl.Series(name, Int32Array.from(xs));
    const columns: Record<string, pl.Series> = {
      row: pl.Series("row", rows),
      unit: pl.Series("unit", unit),
      line: pl.Series("line", block.line),
      repetition: pl.Series("repetition", block.repetition),
      warmup: codes("warmup", block.warmup),
      ok: codes("ok", block.ok),
      output_valid: codes("output_valid", block.valid),
      prompt_cache_hit: codes("prompt_cache_hit", block.hit),
      throttled: codes("throttled", block.throttled),
      sweep_prompt_exact: codes("sweep_prompt_exact", block.exact),
    };
    PERF_NUMERIC.forEach((f, j) => {
      columns[f] = pl.Series(f, block.numbers[j]);
    });
    PERF_WINDOW.forEach((f, j) => {
      columns[f] = pl.Series(f, block.windows[j]);
    });
    const two = (name: string) => pl.col(name).eq(1).alias(name);
    // 0 null, 1 false, 2 true.
    const tri = (name: string) =>
      pl.when(pl.col(name).eq(0)).then(pl.lit(null)).otherwise(pl.col(name).eq(2)).cast(pl.Bool)
        .alias(name);
    this.#frames.push(this.#withUnits(
      pl.DataFrame(columns).withColumns(
        two("warmup"),
        two("ok"),
        tri("output_valid"),
        tri("prompt_cache_hit"),
        tri("throttled"),
        tri("sweep_prompt_exact"),
        ...[...PERF_NUMERIC, ...PERF_WINDOW].map(measured),
      ),
    ));
    this.#total += n;
    // The block's intermediate frames (before null filling, before the join) are garbage now.
    droppedRows(2 * n);
  }

  /**
   * A block with its unit's text fields joined, as categoricals: a row holds a small code, not a
   * copy of the text. Every block joins the same categoricals (rebuilt only when new units
   * appeared, the earlier ones unchanged), so the blocks concatenate without re-encoding.
   */
  #withUnits(chunk: pl.DataFrame): pl.DataFrame {
    if (!this.#unitFrame || this.#unitFrameRows !== this.#unitRows.length) {
      this.#unitFrame = pl.DataFrame({
        unit: pl.Series("unit", Int32Array.from(this.#unitRows.map((_, i) => i))),
        file: pl.Series("file", this.#unitRows.map((u) => u.file), pl.Categorical),
        ...Object.fromEntries(
          UNIT_FIELDS.map((f) => [
            f,
            pl.Series(f, this.#unitRows.map((u) => u[f]), pl.Categorical),
          ]),
        ),
      });
      this.#unitFrameRows = this.#unitRows.length;
    }
    return chunk.join(this.#unitFrame, { on: "unit", how: "left" }).select(...PERF_COLUMNS);
  }

  /** The gaps of every record gathered (see {@linkcode PerfGaps}). */
  gaps(): PerfGaps {
    return { start: this.#gapStart.take(), gaps: this.#gaps.take(), multi: this.#multi.take() };
  }

  /** One row per record: file, line, the unit fields, flags and measurements (null when absent). */
  frame(): pl.DataFrame {
    const empty = () =>
      pl.DataFrame({
        row: pl.Series("row", new Int32Array(0)),
        unit: pl.Series("unit", new Int32Array(0)),
        line: pl.Series("line", new Int32Array(0)),
        repetition: pl.Series("repetition", new Int32Array(0)),
        ...Object.fromEntries(
          ["warmup", "ok", "output_valid", "prompt_cache_hit", "throttled", "sweep_prompt_exact"]
            .map((f) => [f, pl.Series(f, [], pl.Bool)]),
        ),
        ...Object.fromEntries(
          [...PERF_NUMERIC, ...PERF_WINDOW].map((f) => [
            f,
            PERF_COUNTS.has(f)
              ? pl.Series(f, new Int32Array(0))
              : pl.Series(f, new Float64Array(0)),
          ]),
        ),
      });
    const frame: pl.DataFrame = this.#frames.length === 0
      ? this.#withUnits(empty())
      : this.#frames.length === 1
      ? this.#frames[0]
      : pl.concat(this.#frames, { how: "vertical", rechunk: false });
    this.#frames = [];
    return frame;
  }
}
