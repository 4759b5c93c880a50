/**
 * Performance records gathered into columns of typed arrays, with no Polars (so a worker can do
 * it): blocks of 65,536 records, each block's arrays transferable to the thread that builds the
 * frame (lib/report/_perf_columns.ts). The text fields of a record are dictionary-encoded once per
 * distinct combination (a unit).
 * @module
 */
import type { PerfRecord } from "../results/_perf_record.ts";

/** The categorical fields shared by the records of one run unit and file. */
export const UNIT_FIELDS = [
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

/**
 * Where each number column comes from in a record (a JavaScript expression over `r`), compiled
 * below into one straight-line function: a million records read each field by name, not through a
 * switch and a dynamic key per field. A value that is not a finite number is NaN (null).
 */
const NUMBER_SOURCES: Record<typeof PERF_NUMERIC[number], string> = {
  ttft_ms: "r.ttft_ms",
  e2e_ms: "r.e2e_ms",
  tpot_ms: "r.tpot_ms",
  output_tokens_per_s: "r.output_tokens_per_s",
  prefill_tokens_per_s: "r.prefill_tokens_per_s",
  prompt_tokens: "r.prompt_tokens",
  output_tokens: "r.output_tokens",
  peak_rss_bytes: "r.peak_rss_bytes",
  cached_prompt_tokens: "r.cached_prompt_tokens",
  timestamp_ms: "timestampMs(r.timestamp)",
  chunks: "r.chunk_offsets_ms?.length",
  multi_token_chunks: "r.multi_token_chunks",
  energy_j: "r.energy?.joules",
  energy_j_per_token: "r.energy?.joules_per_token",
  sweep_prompt_tokens: "r.sweep?.prompt_tokens_target",
  sweep_output_tokens: "r.sweep?.output_tokens_target",
};

/** The same for the concurrency and window columns (no window in older records: null). */
const WINDOW_SOURCES: Record<typeof PERF_WINDOW[number], string> = {
  concurrency: "r.concurrency ?? 1",
  window_id: "r.batch_window?.id",
  window_size: "r.batch_window?.size",
  window_sent_ms: "r.batch_window?.sent_ms",
  window_end_ms: "r.batch_window?.end_ms",
};

/**
 * `Date.parse(s)`, read from the digits when `s` has the form `toISOString` writes
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`, years 100 to 9999, days up to 28) and by `Date.parse` otherwise, so
 * always the same number (Date.parse took a third of a microsecond a record).
 */
export function timestampMs(s: string): number {
  if (
    s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90
  ) return Date.parse(s);
  let bad = 0;
  const digit = (i: number) => {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) bad = 1;
    return d;
  };
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  const hour = digit(11) * 10 + digit(12);
  const minute = digit(14) * 10 + digit(15);
  const second = digit(17) * 10 + digit(18);
  const ms = digit(20) * 100 + digit(21) * 10 + digit(22);
  if (
    bad || year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 ||
    minute > 59 || second > 59
  ) return Date.parse(s);
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

type FillNumbers = (
  r: PerfRecord,
  numbers: Float64Array[],
  windows: Float64Array[],
  k: number,
  timestampMs: (s: string) => number,
) => void;

/** Writes record `r`'s number and window columns at row `k` of a block. */
const compiledFill = new Function(
  "r",
  "numbers",
  "windows",
  "k",
  "timestampMs",
  [
    "let v;",
    ...PERF_NUMERIC.map((f, j) =>
      `v = ${
        NUMBER_SOURCES[f]
      }; numbers[${j}][k] = typeof v === "number" && Number.isFinite(v) ? v : NaN;`
    ),
    ...PERF_WINDOW.map((f, j) =>
      `v = ${
        WINDOW_SOURCES[f]
      }; windows[${j}][k] = typeof v === "number" && Number.isFinite(v) ? v : NaN;`
    ),
  ].join("\n"),
) as FillNumbers;

const fillNumbers = (r: PerfRecord, numbers: Float64Array[], windows: Float64Array[], k: number) =>
  compiledFill(r, numbers, windows, k, timestampMs);

/**
 * Whether record `r` belongs to unit row `u` (its text fields; no value is the empty string), by
 * name, compiled like {@linkcode fillNumbers}.
 */
const sameUnit = new Function(
  "u",
  "r",
  `return ${UNIT_FIELDS.map((f) => `u.${f} === String(r.${f} ?? "")`).join(" && ")};`,
) as (u: Record<string, string>, r: PerfRecord) => boolean;

function field(r: PerfRecord, name: string): unknown {
  const v = (r as unknown as Record<string, unknown>)[name];
  return v === undefined ? null : v;
}

/** Records per block. */
export const BLOCK = 1 << 16;

/** One block of records as columns (each array holds exactly `n` values, `gaps` all of its gaps). */
export interface PerfBlock {
  n: number;
  /** The collector's units so far (index = the unit code of `unit`). */
  units: Record<string, string>[];
  unit: Int32Array;
  line: Int32Array;
  repetition: Int32Array;
  /** 0 false, 1 true. */
  warmup: Uint8Array;
  ok: Uint8Array;
  /** 0 null, 1 false, 2 true. */
  valid: Uint8Array;
  hit: Uint8Array;
  throttled: Uint8Array;
  exact: Uint8Array;
  numbers: Float64Array[];
  windows: Float64Array[];
  /** Inter-token gaps per record (successful requests with chunk times; else 0). */
  gapCounts: Int32Array;
  gaps: Float32Array;
  multi: Uint8Array;
}

/** The block's arrays, for `postMessage(block, transfer)`. */
export function blockBuffers(b: PerfBlock): ArrayBuffer[] {
  return [
    b.unit,
    b.line,
    b.repetition,
    b.warmup,
    b.ok,
    b.valid,
    b.hit,
    b.throttled,
    b.exact,
    ...b.numbers,
    ...b.windows,
    b.gapCounts,
    b.gaps,
    b.multi,
  ].map((a) => a.buffer as ArrayBuffer);
}

/** A growable typed array (inter-token gaps, their offsets). */
export class Growing<T extends Float32Array | Int32Array | Uint8Array> {
  #data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.#data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.#data.length) this.#grow(this.length + 1);
    this.#data[this.length++] = v;
  }
  append(values: ArrayLike<number>): void {
    if (this.length + values.length > this.#data.length) this.#grow(this.length + values.length);
    this.#data.set(values, this.length);
    this.length += values.length;
  }
  #grow(needed: number): void {
    let size = this.#data.length * 2;
    while (size < needed) size *= 2;
    const bigger = this.make(size);
    bigger.set(this.#data);
    this.#data = bigger;
  }
  /** The values as a typed array of their exact length (a copy). */
  take(): T {
    return this.#data.slice(0, this.length) as T;
  }
  /** Empty again (the storage is kept). */
  clear(): void {
    this.length = 0;
  }
}

/** Gathers the records of one file into blocks, handed to `onBlock` as each fills. */
export class PerfCollector {
  #units = new Map<string, number>();
  #unitRows: Record<string, string>[] = [];
  #lastUnit = -1;
  #n = 0;
  #block!: PerfBlock;
  #gaps = new Growing((n) => new Float32Array(n));
  #multi = new Growing((n) => new Uint8Array(n));

  constructor(readonly file: string, private readonly onBlock: (block: PerfBlock) => void) {
    this.#fresh();
  }

  #fresh(): void {
    this.#block = {
      n: 0,
      units: this.#unitRows,
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
      gapCounts: new Int32Array(BLOCK),
      gaps: new Float32Array(0),
      multi: new Uint8Array(0),
    };
  }

  /** Add the valid records of one chunk, with their line numbers. */
  add(records: readonly PerfRecord[], lines: readonly number[]): void {
    const file = this.file;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const b = this.#block;
      // Fields a newer writer added are read when present, else null (older records).
      const hit = typeof r.prompt_cache_hit === "boolean" ? r.prompt_cache_hit : null;
      // Records of one unit come in a row: compare with the previous record's unit first.
      let unit = this.#lastUnit;
      if (unit < 0 || !sameUnit(this.#unitRows[unit], r)) {
        let key = "";
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
      b.unit[k] = unit;
      b.line[k] = lines[i];
      b.repetition[k] = r.repetition;
      b.warmup[k] = r.warmup ? 1 : 0;
      b.ok[k] = r.error === null ? 1 : 0;
      b.valid[k] = r.output_valid === null ? 0 : r.output_valid ? 2 : 1;
      b.hit[k] = hit === null ? 0 : hit ? 2 : 1;
      fillNumbers(r, b.numbers, b.windows, k);
      const throttled = r.throttled;
      b.throttled[k] = throttled === null || throttled === undefined ? 0 : throttled ? 2 : 1;
      const exact = r.sweep?.prompt_exact;
      b.exact[k] = exact === undefined || exact === null ? 0 : exact ? 2 : 1;
      // Inter-token gaps (first chunk excluded) of successful requests.
      const offsets = r.error === null ? r.chunk_offsets_ms : null;
      const tokens = r.chunk_tokens;
      let count = 0;
      if (offsets) {
        for (let m = 1; m < offsets.length; m++) {
          this.#gaps.push(Math.max(0, offsets[m] - offsets[m - 1]));
          this.#multi.push(tokens && tokens[m] > 1 ? 1 : 0);
          count++;
        }
      }
      b.gapCounts[k] = count;
      if (++this.#n === BLOCK) this.#emit();
    }
  }

  #emit(): void {
    const n = this.#n;
    const b = this.#block;
    const cut = <T extends Int32Array | Uint8Array | Float64Array>(a: T) =>
      (n === BLOCK ? a : a.slice(0, n)) as T;
    this.onBlock({
      n,
      units: [...this.#unitRows],
      unit: cut(b.unit),
      line: cut(b.line),
      repetition: cut(b.repetition),
      warmup: cut(b.warmup),
      ok: cut(b.ok),
      valid: cut(b.valid),
      hit: cut(b.hit),
      throttled: cut(b.throttled),
      exact: cut(b.exact),
      numbers: b.numbers.map(cut),
      windows: b.windows.map(cut),
      gapCounts: cut(b.gapCounts),
      gaps: this.#gaps.take(),
      multi: this.#multi.take(),
    });
    this.#gaps.clear();
    this.#multi.clear();
    this.#n = 0;
    this.#fresh();
  }

  /** Hand over the last, partial block (if any record is in it). */
  finish(): void {
    if (this.#n > 0) this.#emit();
  }
}
