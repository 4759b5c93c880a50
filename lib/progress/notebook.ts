/**
 * A live progress display for notebooks: one output that updates in place (Jupyter display
 * updates) with done/total, ETA and the running figure, replaced by the summary at the end. The
 * notebook passes `Deno.jupyter` in; this module never reaches for it itself.
 *
 * @example
 * ```ts ignore
 * const progress = notebookProgress(Deno.jupyter, perfProgress(prepared.plan));
 * const result = await executePerf(prepared, { onEvent: progress.onEvent });
 * await progress.done();
 * ```
 * @module
 */
import type { EventProgress } from "./events.ts";
import { type ProgressSnapshot, progressText, summaryText } from "./tracker.ts";

/** The part of `Deno.jupyter` used here. */
export interface JupyterDisplay {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
}

/** Options for {@linkcode notebookProgress}. */
export interface NotebookProgressOptions {
  /** Least time between two updates while items complete (steps always update) (ms). @default 250 */
  minIntervalMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** A live display fed by a run's events. */
export interface NotebookProgress<E> {
  /** Pass as the run's `onEvent`. */
  onEvent: (event: E) => void;
  /**
   * Replace the display by `summary` (default: counts, time, rate and the running figure) and
   * resolve once every update has been sent.
   */
  done(summary?: string): Promise<void>;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function bundle(s: ProgressSnapshot, text: string, finished: boolean): Record<string, string> {
  const total = s.runTotal ?? s.total;
  const bar = finished || total <= 0
    ? ""
    : `<progress value="${s.runDone}" max="${total}" style="width:16em;vertical-align:middle"></progress> `;
  return {
    "text/plain": text,
    "text/html": `<div style="font-family:monospace">${bar}${escapeHtml(text)}</div>`,
  };
}

/** A live display of `progress` (e.g. `perfProgress(prepared.plan)`) through `jupyter.display`. */
export function notebookProgress<E>(
  jupyter: JupyterDisplay,
  progress: EventProgress<E>,
  options: NotebookProgressOptions = {},
): NotebookProgress<E> {
  const now = options.now ?? (() => performance.now());
  const minInterval = options.minIntervalMs ?? 250;
  const id = `edge-bench-progress-${crypto.randomUUID()}`;
  let shown = false;
  let lastAt = -Infinity;
  let lastText = "";
  let queue: Promise<void> = Promise.resolve();
  const send = (data: Record<string, string>) => {
    if (data["text/plain"] === lastText) return;
    lastText = data["text/plain"];
    const update = shown;
    shown = true;
    queue = queue.then(() =>
      jupyter.display(data, { raw: true, update, display_id: id }).catch(() => {})
    );
  };
  return {
    onEvent(event: E) {
      const change = progress.update(event);
      if (change === null) return;
      const t = now();
      if (change === "tick" && t - lastAt < minInterval) return;
      lastAt = t;
      const s = progress.tracker.snapshot();
      send(bundle(s, progressText(s), false));
    },
    done(summary?: string) {
      if (shown) {
        const s = progress.tracker.snapshot();
        send(bundle(s, summary ?? summaryText(s), true));
      }
      return queue;
    },
  };
}
