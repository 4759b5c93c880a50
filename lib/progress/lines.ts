/**
 * When a plain progress line is due in a log (not a terminal): after 5 % more of the work, or
 * 10 s after the previous line, whichever comes first.
 * @module
 */
import type { ProgressSnapshot } from "./tracker.ts";

/** A plain line at least this often while a run is under way (ms). */
export const LINE_INTERVAL_MS = 10_000;
/** ... and after each such share of the run's work. */
export const LINE_STEP_SHARE = 0.05;

/** Options for {@linkcode LinePacer}. */
export interface LinePacerOptions {
  /** @default LINE_INTERVAL_MS */
  intervalMs?: number;
  /** @default LINE_STEP_SHARE */
  stepShare?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** Decides when the next plain progress line is due. */
export class LinePacer {
  #intervalMs: number;
  #share: number;
  #now: () => number;
  #lastAt: number | null = null;
  #lastDone = 0;

  constructor(options: LinePacerOptions = {}) {
    this.#intervalMs = options.intervalMs ?? LINE_INTERVAL_MS;
    this.#share = options.stepShare ?? LINE_STEP_SHARE;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Items between two lines for this run (at least 1). */
  step(s: ProgressSnapshot): number {
    return Math.max(1, Math.ceil(this.#share * (s.runTotal ?? s.total)));
  }

  /**
   * Whether a line is due for `s` (`force`: the end of a step, due when anything was done since
   * the last line). The first call only starts the clock and the count (work done before, e.g.
   * on resume, is not progress of this session).
   */
  due(s: ProgressSnapshot, force = false): boolean {
    const now = this.#now();
    if (this.#lastAt === null) {
      this.#lastAt = now;
      this.#lastDone = s.runDone;
      return force;
    }
    const moved = s.runDone - this.#lastDone;
    return (force && moved > 0) || moved >= this.step(s) || now - this.#lastAt >= this.#intervalMs;
  }

  /** A line for `s` was written. */
  printed(s: ProgressSnapshot): void {
    this.#lastAt = this.#now();
    this.#lastDone = s.runDone;
  }
}
