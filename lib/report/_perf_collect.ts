/**
 * Performance records gathered into columns of typed arrays, with no Polars (so a worker can do
 * it): blocks of 65,536 records, each block's arrays transferable to the thread that builds the
 * frame (lib/report/_perf_columns.ts). The text fields of a record are dictionary-encoded once per
 * distinct combination (a unit).
 * @module
 */
import type { PerfRecord } from "../results/mod.ts";

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
      const hit = typeof field(r, "prompt_cache_hit") === "boolean"
        ? field(r, "prompt_cache_hit") as boolean
        : null;
      // Records of one unit come in a row: compare with the previous record's unit first.
      let unit = this.#lastUnit;
      const last = unit >= 0 ? this.#unitRows[unit] : null;
      let same = last !== null;
      for (let j = 0; same && j < UNIT_FIELDS.length; j++) {
        same = last![UNIT_FIELDS[j]] === String(field(r, UNIT_FIELDS[j]) ?? "");
      }
      if (!same) {
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
      for (let j = 0; j < PERF_NUMERIC.length; j++) b.numbers[j][k] = numberOf(r, PERF_NUMERIC[j]);
      for (let j = 0; j < PERF_WINDOW.length; j++) b.windows[j][k] = windowValue(r, PERF_WINDOW[j]);
      const throttled = field(r, "throttled");
      b.throttled[k] = throttled === null ? 0 : throttled ? 2 : 1;
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
