/**
 * Performance records gathered as columns (numbers in plain arrays, the categorical fields of a
 * record dictionary-encoded once per distinct combination) and turned into one Polars frame, so a
 * million records never exist as a million objects.
 * @module
 */
import pl from "nodejs-polars";
import type { PerfRecord } from "../results/mod.ts";

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

/** Gathers perf records into columns; `frame()` builds the Polars frame. */
export class PerfColumns {
  #units = new Map<string, number>();
  #unitRows: Record<string, string>[] = [];
  #unit: number[] = [];
  #line: number[] = [];
  #repetition: number[] = [];
  // bit 0 warmup, bit 1 ok, bits 2-3 output_valid and 4-5 prompt_cache_hit (0 null, 1 false, 2 true)
  #flags: number[] = [];
  #numbers: number[][] = PERF_NUMERIC.map(() => []);
  #windows: number[][] = PERF_WINDOW.map(() => []);
  // Per record: throttled and sweep_prompt_exact (0 null, 1 false, 2 true).
  #throttled: number[] = [];
  #exact: number[] = [];
  #gapStart: number[] = [0];
  #gaps: number[] = [];
  #multi: number[] = [];

  /** Records gathered so far. */
  get length(): number {
    return this.#unit.length;
  }

  /** Add the valid records of one chunk, with their file and line numbers. */
  add(file: string, records: readonly PerfRecord[], lines: readonly number[]): void {
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      // Fields a newer writer added are read when present, else null (older records).
      const hit = typeof field(r, "prompt_cache_hit") === "boolean"
        ? field(r, "prompt_cache_hit") as boolean
        : null;
      let key = file;
      for (const f of UNIT_FIELDS) key += "\u0000" + (field(r, f) ?? "");
      let unit = this.#units.get(key);
      if (unit === undefined) {
        unit = this.#unitRows.length;
        this.#units.set(key, unit);
        const row: Record<string, string> = { file };
        // No round (outside a rounds run) is the empty string, so it can be a grouping key.
        for (const f of UNIT_FIELDS) row[f] = String(field(r, f) ?? "");
        this.#unitRows.push(row);
      }
      this.#unit.push(unit);
      this.#line.push(lines[i]);
      this.#repetition.push(r.repetition);
      this.#flags.push(
        (r.warmup ? 1 : 0) | (r.error === null ? 2 : 0) |
          (r.output_valid === null ? 0 : r.output_valid ? 8 : 4) |
          (hit === null ? 0 : hit ? 32 : 16),
      );
      PERF_NUMERIC.forEach((f, j) => this.#numbers[j].push(numberOf(r, f)));
      PERF_WINDOW.forEach((f, j) => this.#windows[j].push(windowValue(r, f)));
      const throttled = field(r, "throttled");
      this.#throttled.push(throttled === null ? 0 : throttled ? 2 : 1);
      const exact = r.sweep?.prompt_exact;
      this.#exact.push(exact === undefined || exact === null ? 0 : exact ? 2 : 1);
      // Inter-token gaps (first chunk excluded) of successful requests.
      const offsets = r.error === null ? r.chunk_offsets_ms : null;
      const tokens = r.chunk_tokens;
      if (offsets) {
        for (let k = 1; k < offsets.length; k++) {
          this.#gaps.push(Math.max(0, offsets[k] - offsets[k - 1]));
          this.#multi.push(tokens && tokens[k] > 1 ? 1 : 0);
        }
      }
      this.#gapStart.push(this.#gaps.length);
    }
  }

  /** The gaps of every record gathered (see {@linkcode PerfGaps}). */
  gaps(): PerfGaps {
    return {
      start: Int32Array.from(this.#gapStart),
      gaps: Float32Array.from(this.#gaps),
      multi: Uint8Array.from(this.#multi),
    };
  }

  /** One row per record: file, line, the unit fields, flags and measurements (null when absent). */
  frame(): pl.DataFrame {
    const n = this.#unit.length;
    const flags = Int8Array.from(this.#flags);
    const warmup = new Array<boolean>(n);
    const ok = new Array<boolean>(n);
    const valid = new Array<boolean | null>(n);
    const hit = new Array<boolean | null>(n);
    for (let i = 0; i < n; i++) {
      warmup[i] = (flags[i] & 1) === 1;
      ok[i] = (flags[i] & 2) === 2;
      valid[i] = (flags[i] & 12) === 0 ? null : (flags[i] & 8) === 8;
      hit[i] = (flags[i] & 48) === 0 ? null : (flags[i] & 32) === 32;
    }
    const tri = (xs: number[]) => xs.map((x) => x === 0 ? null : x === 2);
    const columns: Record<string, pl.Series> = {
      row: pl.Series("row", Int32Array.from(this.#unit.map((_, i) => i))),
      unit: pl.Series("unit", Int32Array.from(this.#unit)),
      line: pl.Series("line", Int32Array.from(this.#line)),
      repetition: pl.Series("repetition", Int32Array.from(this.#repetition)),
      warmup: pl.Series("warmup", warmup, pl.Bool),
      ok: pl.Series("ok", ok, pl.Bool),
      output_valid: pl.Series("output_valid", valid, pl.Bool),
      prompt_cache_hit: pl.Series("prompt_cache_hit", hit, pl.Bool),
      throttled: pl.Series("throttled", tri(this.#throttled), pl.Bool),
      sweep_prompt_exact: pl.Series("sweep_prompt_exact", tri(this.#exact), pl.Bool),
    };
    PERF_NUMERIC.forEach((f, j) => {
      columns[f] = pl.Series(f, Float64Array.from(this.#numbers[j]));
    });
    PERF_WINDOW.forEach((f, j) => {
      columns[f] = pl.Series(f, Float64Array.from(this.#windows[j]));
    });
    const units = pl.DataFrame({
      unit: pl.Series("unit", Int32Array.from(this.#unitRows.map((_, i) => i))),
      file: pl.Series("file", this.#unitRows.map((u) => u.file), pl.Utf8),
      ...Object.fromEntries(
        UNIT_FIELDS.map((f) => [f, pl.Series(f, this.#unitRows.map((u) => u[f]), pl.Utf8)]),
      ),
    });
    return pl.DataFrame(columns)
      .withColumns(...[...PERF_NUMERIC, ...PERF_WINDOW].map((f) => pl.col(f).fillNan(null)))
      .join(units, { on: "unit", how: "left" })
      .select(...PERF_COLUMNS);
  }
}
