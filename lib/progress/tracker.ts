/**
 * Counts, rate, elapsed time and ETA of a long run, fed by the run's own events (see the
 * adapters in `events.ts`). Pure: the clock is an option, nothing is printed.
 * @module
 */

/** What one item of work is, for rates and texts (`byte` is shown in MiB). */
export type ProgressUnit = "request" | "sample" | "probe" | "file" | "byte" | "step";

/** A running figure shown beside the counts (accuracy so far, TTFT median so far, ...). */
export interface ProgressFigure {
  /** Machine name: `accuracy`, `mean_score`, `ttft_median_ms`, `failure_rate`, `records`. */
  name: string;
  /** The value (a share in 0..1 for rates), or null before there is one. */
  value: number | null;
  /** Human text, e.g. `accuracy 45.0%`. */
  text: string;
}

/** Where a run is, at one moment. */
export interface ProgressSnapshot {
  /** The command or notebook step (`perf`, `eval`, `compliance`, `rounds`, `sweep`, ...). */
  command: string;
  /** The current step, e.g. `stories260k/interactive_assistant`; "" before the first. */
  label: string;
  /** Items done in the current step (earlier sessions' items included on resume). */
  done: number;
  /** Items in the current step. */
  total: number;
  /** Items done in the whole run (earlier sessions' items included). */
  runDone: number;
  /** Items in the whole run, when known. */
  runTotal: number | null;
  unit: ProgressUnit;
  /** Since the tracker was made (ms). */
  elapsedMs: number;
  /** Items per second over this session's items; null before the first. */
  ratePerS: number | null;
  /** Remaining items of the run (else of the step) at that rate; null when unknown. */
  etaMs: number | null;
  figure: ProgressFigure | null;
  /** A step is under way. */
  active: boolean;
}

/** Options for {@linkcode ProgressTracker}. */
export interface ProgressTrackerOptions {
  /** Items in the whole run, when known. @default null */
  runTotal?: number | null;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** Counts a run's work: steps (units, tasks, models) of items (requests, samples, probes). */
export class ProgressTracker {
  readonly command: string;
  readonly unit: ProgressUnit;
  #now: () => number;
  #t0: number;
  #firstAt: number | null = null;
  #label = "";
  #done = 0;
  #total = 0;
  #runDone = 0;
  #runTotal: number | null;
  #session = 0;
  #figure: ProgressFigure | null = null;
  #active = false;

  constructor(command: string, unit: ProgressUnit, options: ProgressTrackerOptions = {}) {
    this.command = command;
    this.unit = unit;
    this.#now = options.now ?? (() => performance.now());
    this.#t0 = this.#now();
    this.#runTotal = options.runTotal ?? null;
  }

  /** A step begins: `total` items, of which `alreadyDone` were done before (resume). */
  begin(label: string, total: number, alreadyDone = 0): void {
    this.#label = label;
    this.#total = total;
    this.#done = alreadyDone;
    this.#runDone += alreadyDone;
    this.#figure = null;
    this.#active = alreadyDone < total;
    this.#firstAt ??= this.#now();
  }

  /** `done` items of the current step are done now (absolute count within the step). */
  advance(done: number): void {
    const delta = Math.max(0, done - this.#done);
    this.#done = Math.max(this.#done, done);
    this.#runDone += delta;
    this.#session += delta;
    if (this.#done >= this.#total) this.#active = false;
  }

  /** The current step is over (finished, stopped or refused). */
  end(): void {
    this.#active = false;
  }

  /** Set (or clear) the running figure of the current step. */
  setFigure(figure: ProgressFigure | null): void {
    this.#figure = figure;
  }

  /** Change the run's total (work refused or skipped, or a total learnt late). */
  setRunTotal(total: number | null): void {
    this.#runTotal = total === null ? null : Math.max(total, this.#runDone);
  }

  /** The run's total, when known. */
  get runTotal(): number | null {
    return this.#runTotal;
  }

  /** Where the run is now. */
  snapshot(): ProgressSnapshot {
    const now = this.#now();
    const since = this.#firstAt === null ? 0 : now - this.#firstAt;
    const ratePerS = this.#session > 0 && since > 0 ? this.#session / (since / 1000) : null;
    const remaining = this.#runTotal !== null
      ? this.#runTotal - this.#runDone
      : this.#total - this.#done;
    return {
      command: this.command,
      label: this.#label,
      done: this.#done,
      total: this.#total,
      runDone: this.#runDone,
      runTotal: this.#runTotal,
      unit: this.unit,
      elapsedMs: now - this.#t0,
      ratePerS,
      etaMs: ratePerS === null ? null : Math.max(0, remaining) / ratePerS * 1000,
      figure: this.#figure,
      active: this.#active,
    };
  }
}

/** `0:07`, `3:05`, `1:02:03` (h:mm:ss), or `–` for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

const MIB = 1024 * 1024;

/** `12.5 req/s`, `3.0 samples/s`, or `4.2 s/sample` below one per second; `3.1 MiB/s` for bytes. */
export function formatRate(ratePerS: number | null, unit: ProgressUnit): string {
  if (ratePerS === null || !Number.isFinite(ratePerS) || ratePerS <= 0) return "–";
  if (unit === "byte") return `${(ratePerS / MIB).toFixed(1)} MiB/s`;
  const short = unit === "request" ? "req" : unit;
  return ratePerS >= 1
    ? `${ratePerS.toFixed(1)} ${short === "req" ? short : `${short}s`}/s`
    : `${(1 / ratePerS).toFixed(1)} s/${short}`;
}

function count(n: number, unit: ProgressUnit): string {
  return unit === "byte" ? `${(n / MIB).toFixed(1)}` : String(n);
}

/** `4/6` (or `1.2/3.4 MiB` for bytes). */
export function formatCounts(done: number, total: number, unit: ProgressUnit): string {
  return `${count(done, unit)}/${count(total, unit)}${unit === "byte" ? " MiB" : ""}`;
}

/**
 * One plain line: `label 4/6 | run 10/18 56% | 2.1 req/s | elapsed 0:05 | ETA 0:04 | TTFT median
 * 45.2 ms` (the run part only when the run has more than the current step); `label: false`
 * leaves the label out (the terminal bar draws it before the bar).
 */
export function progressText(s: ProgressSnapshot, options: { label?: boolean } = {}): string {
  const counts = formatCounts(s.done, s.total, s.unit);
  const parts = [options.label === false ? counts : `${s.label || s.command} ${counts}`];
  const stepOnly = s.runTotal === null || s.runTotal === s.total;
  if (!stepOnly) {
    parts.push(
      `run ${formatCounts(s.runDone, s.runTotal!, s.unit)} ${percent(s.runDone, s.runTotal!)}`,
    );
  } else if (s.total > 0) parts[0] += ` ${percent(s.done, s.total)}`;
  parts.push(formatRate(s.ratePerS, s.unit));
  parts.push(`elapsed ${formatDuration(s.elapsedMs)}`);
  parts.push(`ETA ${formatDuration(s.etaMs)}`);
  if (s.figure) parts.push(s.figure.text);
  return parts.join(" | ");
}

function percent(done: number, total: number): string {
  return total > 0 ? `${Math.floor((done / total) * 100)}%` : "";
}

/** The closing line: `perf: 12/12 requests in 0:03 (4.0 req/s) | TTFT median 45.2 ms`. */
export function summaryText(s: ProgressSnapshot): string {
  const total = s.runTotal ?? s.total;
  const what = s.unit === "byte" ? "" : ` ${s.unit}${total === 1 ? "" : "s"}`;
  return `${s.command}: ${formatCounts(s.runDone, total, s.unit)}${what} in ${
    formatDuration(s.elapsedMs)
  } (${formatRate(s.ratePerS, s.unit)})${s.figure ? ` | ${s.figure.text}` : ""}`;
}
