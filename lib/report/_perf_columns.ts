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
  ...PERF_NUMERIC,
  ...PERF_WINDOW,
];

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
      PERF_NUMERIC.forEach((f, j) => {
        const v = f === "timestamp_ms" ? Date.parse(r.timestamp) : field(r, f);
        this.#numbers[j].push(typeof v === "number" && Number.isFinite(v) ? v : NaN);
      });
      PERF_WINDOW.forEach((f, j) => this.#windows[j].push(windowValue(r, f)));
    }
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
    const columns: Record<string, pl.Series> = {
      unit: pl.Series("unit", Int32Array.from(this.#unit)),
      line: pl.Series("line", Int32Array.from(this.#line)),
      repetition: pl.Series("repetition", Int32Array.from(this.#repetition)),
      warmup: pl.Series("warmup", warmup, pl.Bool),
      ok: pl.Series("ok", ok, pl.Bool),
      output_valid: pl.Series("output_valid", valid, pl.Bool),
      prompt_cache_hit: pl.Series("prompt_cache_hit", hit, pl.Bool),
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
