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
  BLOCK,
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

/** A block's worth of rows gathered from smaller blocks (unit codes already this frame's). */
function pendingRows() {
  return {
    n: 0,
    unit: new Int32Array(BLOCK),
    line: new Int32Array(BLOCK),
    repetition: new Int32Array(BLOCK),
    warmup: new Uint8Array(BLOCK),
    ok: new Uint8Array(BLOCK),
    valid: new Uint8Array(BLOCK),
    hit: new Uint8Array(BLOCK),
    throttled: new Uint8Array(BLOCK),
    exact: new Uint8Array(BLOCK),
    numbers: PERF_NUMERIC.map(() => new Float64Array(BLOCK)),
    windows: PERF_WINDOW.map(() => new Float64Array(BLOCK)),
  };
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
    return this.#total + this.#pending.n;
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
    let end = this.#gaps.length;
    for (let i = 0; i < n; i++) {
      end += block.gapCounts[i];
      this.#gapStart.push(end);
    }
    this.#gaps.append(block.gaps);
    this.#multi.append(block.multi);
    // Rows wait in one block's worth of arrays and go to Polars BLOCK rows at a time: a frame
    // costs ~10 ms of Polars calls whatever its size, and the pieces of a large file, the last
    // block of each file and a small folder's files come in smaller blocks.
    for (let from = 0; from < n;) {
      const p = this.#pending;
      const take = Math.min(n - from, BLOCK - p.n);
      const to = from + take;
      for (let i = from, k = p.n; i < to; i++, k++) p.unit[k] = map[block.unit[i]];
      p.line.set(block.line.subarray(from, to), p.n);
      p.repetition.set(block.repetition.subarray(from, to), p.n);
      p.warmup.set(block.warmup.subarray(from, to), p.n);
      p.ok.set(block.ok.subarray(from, to), p.n);
      p.valid.set(block.valid.subarray(from, to), p.n);
      p.hit.set(block.hit.subarray(from, to), p.n);
      p.throttled.set(block.throttled.subarray(from, to), p.n);
      p.exact.set(block.exact.subarray(from, to), p.n);
      block.numbers.forEach((a, j) => p.numbers[j].set(a.subarray(from, to), p.n));
      block.windows.forEach((a, j) => p.windows[j].set(a.subarray(from, to), p.n));
      p.n += take;
      from = to;
      if (p.n === BLOCK) this.#flush();
    }
  }

  /** The rows gathered so far, before they go to Polars. */
  #pending = pendingRows();

  /** Move the gathered rows into a Polars frame. */
  #flush(): void {
    const p = this.#pending;
    const n = p.n;
    if (n === 0) return;
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = this.#total + i;
    const at = <T extends Int32Array | Uint8Array | Float64Array>(a: T) => a.subarray(0, n) as T;
    // The flags go to Polars as small integers and become booleans there (a boolean series built
    // from JavaScript values costs a call per value).
    const codes = (name: string, xs: Uint8Array) => pl.Series(name, Int32Array.from(at(xs)));
    const columns: Record<string, pl.Series> = {
      row: pl.Series("row", rows),
      unit: pl.Series("unit", at(p.unit)),
      line: pl.Series("line", at(p.line)),
      repetition: pl.Series("repetition", at(p.repetition)),
      warmup: codes("warmup", p.warmup),
      ok: codes("ok", p.ok),
      output_valid: codes("output_valid", p.valid),
      prompt_cache_hit: codes("prompt_cache_hit", p.hit),
      throttled: codes("throttled", p.throttled),
      sweep_prompt_exact: codes("sweep_prompt_exact", p.exact),
    };
    PERF_NUMERIC.forEach((f, j) => {
      columns[f] = pl.Series(f, at(p.numbers[j]));
    });
    PERF_WINDOW.forEach((f, j) => {
      columns[f] = pl.Series(f, at(p.windows[j]));
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
    p.n = 0;
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
    this.#flush();
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
