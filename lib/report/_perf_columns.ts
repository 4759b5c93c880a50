/**
 * Performance records gathered as columns (numbers in typed arrays of 65,536 records, each full
 * chunk moved into a Polars frame at once; the text fields of a record dictionary-encoded once per
 * distinct combination and joined as categoricals at the end), so a million records never exist as
 * a million objects, nor as a million copies of their strings.
 * @module
 */
import pl from "nodejs-polars";
import type { PerfRecord } from "../results/mod.ts";
import { droppedRows } from "./_frame.ts";

/** The categorical fields shared by the records of one run unit and file. */
const UNIT_FIELDS = [
  "run_id",
  "config_hash",
  "model_key",
  "model_id",
  "backend",
  "format",
  "quantization",
  "scenario",
  "round_id",
  "runner",
  "cache_mode",
] as const;

/** Numeric fields kept per record (null as NaN while gathering). */
export const PERF_NUMERIC = [
  "ttft_ms",
  "e2e_ms",
  "tpot_ms",
  "output_tokens_per_s",
  "prefill_tokens_per_s",
  "prompt_tokens",
  "output_tokens",
  "peak_rss_bytes",
  "cached_prompt_tokens",
  "timestamp_ms",
  /** Content chunks with arrival times, and those that carried several tokens. */
  "chunks",
  "multi_token_chunks",
  /** Energy of the request window (J) and per output token. */
  "energy_j",
  "energy_j_per_token",
  /** A length-sweep point's targets (null outside a sweep). */
  "sweep_prompt_tokens",
  "sweep_output_tokens",
] as const;

/**
 * Concurrency and batch-window fields per record (null as NaN while gathering; no window in
 * records written before it existed): `concurrency`, `window_id`, `window_size`,
 * `window_sent_ms`, `window_end_ms` (see `batch_window` in the perf record).
 */
export const PERF_WINDOW = [
  "concurrency",
  "window_id",
  "window_size",
  "window_sent_ms",
  "window_end_ms",
] as const;

const windowValue = (r: PerfRecord, field: typeof PERF_WINDOW[number]): number => {
  if (field === "concurrency") return r.concurrency ?? 1;
  const w = r.batch_window;
  if (!w) return NaN;
  const value = field === "window_id"
    ? w.id
    : field === "window_size"
    ? w.size
    : field === "window_sent_ms"
    ? w.sent_ms
    : w.end_ms;
  return value ?? NaN;
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

/** A record field that is a number, else NaN. */
function numberOf(r: PerfRecord, name: typeof PERF_NUMERIC[number]): number {
  let v: unknown;
  switch (name) {
    case "timestamp_ms":
      v = Date.parse(r.timestamp);
      break;
    case "chunks":
      v = r.chunk_offsets_ms?.length;
      break;
    case "energy_j":
      v = r.energy?.joules;
      break;
    case "energy_j_per_token":
      v = r.energy?.joules_per_token;
      break;
    case "sweep_prompt_tokens":
      v = r.sweep?.prompt_tokens_target;
      break;
    case "sweep_output_tokens":
      v = r.sweep?.output_tokens_target;
      break;
    default:
      v = field(r, name);
  }
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

function field(r: PerfRecord, name: string): unknown {
  const v = (r as unknown as Record<string, unknown>)[name];
  return v === undefined ? null : v;
}

/** Records per chunk of typed arrays moved into Polars at once. */
const CHUNK = 1 << 16;

/** A growable typed array of numbers (the inter-token gaps). */
class Growing<T extends Float32Array | Int32Array | Uint8Array> {
  #data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.#data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.#data.length) {
      const bigger = this.make(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.length++] = v;
  }
  /** The values as a typed array of their exact length (a copy). */
  take(): T {
    return this.#data.slice(0, this.length) as T;
  }
}

/** Gathers perf records into columns; `frame()` builds the Polars frame. */
export class PerfColumns {
  #units = new Map<string, number>();
  #unitRows: Record<string, string>[] = [];
  #lastUnit = -1;
  #frames: pl.DataFrame[] = [];
  #n = 0; // records in the current chunk
  #total = 0; // records in flushed chunks
  #unit = new Int32Array(CHUNK);
  #line = new Int32Array(CHUNK);
  #repetition = new Int32Array(CHUNK);
  // Per record: warmup and ok (0 false, 1 true); output_valid and prompt_cache_hit (0 null, 1 false,
  // 2 true).
  #warmup = new Uint8Array(CHUNK);
  #ok = new Uint8Array(CHUNK);
  #valid = new Uint8Array(CHUNK);
  #hit = new Uint8Array(CHUNK);
  #numbers: Float64Array[] = PERF_NUMERIC.map(() => new Float64Array(CHUNK));
  #windows: Float64Array[] = PERF_WINDOW.map(() => new Float64Array(CHUNK));
  // Per record: throttled and sweep_prompt_exact (0 null, 1 false, 2 true).
  #throttled = new Uint8Array(CHUNK);
  #exact = new Uint8Array(CHUNK);
  #gapStart = new Growing((n) => new Int32Array(n));
  #gaps = new Growing((n) => new Float32Array(n));
  #multi = new Growing((n) => new Uint8Array(n));

  constructor() {
    this.#gapStart.push(0);
  }

  /** Records gathered so far. */
  get length(): number {
    return this.#total + this.#n;
  }

  /** Add the valid records of one chunk, with their file and line numbers. */
  add(file: string, records: readonly PerfRecord[], lines: readonly number[]): void {
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      // Fields a newer writer added are read when present, else null (older records).
      const hit = typeof field(r, "prompt_cache_hit") === "boolean"
        ? field(r, "prompt_cache_hit") as boolean
        : null;
      // Records of one unit come in a row: compare with the previous record's unit first.
      let unit = this.#lastUnit;
      const last = unit >= 0 ? this.#unitRows[unit] : null;
      let same = last !== null && last.file === file;
      for (let j = 0; same && j < UNIT_FIELDS.length; j++) {
        same = last![UNIT_FIELDS[j]] === String(field(r, UNIT_FIELDS[j]) ?? "");
      }
      if (!same) {
        let key = file;
        for (const f of UNIT_FIELDS) key += "\u0000" + (field(r, f) ?? "");
        const known = this.#units.get(key);
        if (known === undefined) {
          unit = this.#unitRows.length;
          this.#units.set(key, unit);
          const row: Record<string, string> = { file };
          // No round (outside a rounds run) is the empty string, so it can be a grouping key.
          for (const f of UNIT_FIELDS) row[f] = String(field(r, f) ?? "");
          this.#unitRows.push(row);
        } else unit = known;
        this.#lastUnit = unit;
      }
      const k = this.#n;
      this.#unit[k] = unit;
      this.#line[k] = lines[i];
      this.#repetition[k] = r.repetition;
      this.#warmup[k] = r.warmup ? 1 : 0;
      this.#ok[k] = r.error === null ? 1 : 0;
      this.#valid[k] = r.output_valid === null ? 0 : r.output_valid ? 2 : 1;
      this.#hit[k] = hit === null ? 0 : hit ? 2 : 1;
      for (let j = 0; j < PERF_NUMERIC.length; j++) {
        this.#numbers[j][k] = numberOf(r, PERF_NUMERIC[j]);
      }
      for (let j = 0; j < PERF_WINDOW.length; j++) {
        this.#windows[j][k] = windowValue(r, PERF_WINDOW[j]);
      }
      const throttled = field(r, "throttled");
      this.#throttled[k] = throttled === null ? 0 : throttled ? 2 : 1;
      const exact = r.sweep?.prompt_exact;
      this.#exact[k] = exact === undefined || exact === null ? 0 : exact ? 2 : 1;
      // Inter-token gaps (first chunk excluded) of successful requests.
      const offsets = r.error === null ? r.chunk_offsets_ms : null;
      const tokens = r.chunk_tokens;
      if (offsets) {
        for (let m = 1; m < offsets.length; m++) {
          this.#gaps.push(Math.max(0, offsets[m] - offsets[m - 1]));
          this.#multi.push(tokens && tokens[m] > 1 ? 1 : 0);
        }
      }
      this.#gapStart.push(this.#gaps.length);
      if (++this.#n === CHUNK) this.#flush();
    }
  }

  /** Move the current chunk into a Polars frame (Polars copies the arrays; they are reused). */
  #flush(): void {
    const n = this.#n;
    if (n === 0) return;
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = this.#total + i;
    // The flags go to Polars as small integers and become booleans there (a boolean series built
    // from JavaScript values costs a call per value).
    const codes = (name: string, xs: Uint8Array) =>
      pl.Series(name, Int32Array.from(xs.subarray(0, n)));
    const columns: Record<string, pl.Series> = {
      row: pl.Series("row", rows),
      unit: pl.Series("unit", this.#unit.slice(0, n)),
      line: pl.Series("line", this.#line.slice(0, n)),
      repetition: pl.Series("repetition", this.#repetition.slice(0, n)),
      warmup: codes("warmup", this.#warmup),
      ok: codes("ok", this.#ok),
      output_valid: codes("output_valid", this.#valid),
      prompt_cache_hit: codes("prompt_cache_hit", this.#hit),
      throttled: codes("throttled", this.#throttled),
      sweep_prompt_exact: codes("sweep_prompt_exact", this.#exact),
    };
    const two = (name: string) => pl.col(name).eq(1).alias(name);
    // 0 null, 1 false, 2 true.
    const tri = (name: string) =>
      pl.when(pl.col(name).eq(0)).then(pl.lit(null)).otherwise(pl.col(name).eq(2)).cast(pl.Bool)
        .alias(name);
    PERF_NUMERIC.forEach((f, j) => {
      columns[f] = pl.Series(f, this.#numbers[j].slice(0, n));
    });
    PERF_WINDOW.forEach((f, j) => {
      columns[f] = pl.Series(f, this.#windows[j].slice(0, n));
    });
    this.#frames.push(this.#withUnits(
      pl.DataFrame(columns).withColumns(
        two("warmup"),
        two("ok"),
        tri("output_valid"),
        tri("prompt_cache_hit"),
        tri("throttled"),
        tri("sweep_prompt_exact"),
        ...[...PERF_NUMERIC, ...PERF_WINDOW].map((f) => pl.col(f).fillNan(null)),
      ),
    ));
    this.#total += n;
    this.#n = 0;
    // The chunk's intermediate frames (before null filling, before the join) are garbage now.
    droppedRows(2 * n);
  }

  #unitFrame: pl.DataFrame | null = null;
  #unitFrameRows = 0;

  /**
   * A chunk with its unit's text fields joined, as categoricals: a row holds a small code, not a
   * copy of the text. Every chunk joins the same categoricals (rebuilt only when new units
   * appeared, the earlier ones unchanged), so the chunks concatenate without re-encoding.
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
          [...PERF_NUMERIC, ...PERF_WINDOW].map((f) => [f, pl.Series(f, new Float64Array(0))]),
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
