/**
 * Progress of long runs (perf, eval, compliance, rounds, sweeps, report loading), computed from
 * the events those runs emit: counts, rate, elapsed time, ETA and a running figure (TTFT median,
 * accuracy, failure rate so far). Renderers: plain log lines ({@linkcode LinePacer},
 * {@linkcode progressText}), JSON lines ({@linkcode progressJsonLine}) and a live notebook display
 * ({@linkcode notebookProgress}); the CLI draws the terminal bar (lib/cli).
 *
 * @example
 * ```ts
 * import { evalProgress, progressText } from "./mod.ts";
 * const p = evalProgress({ plan: { task: "banking77", modelKey: "m" }, task: { samples: [1, 2] } });
 * p.update({ type: "start", planned: 2, alreadyDone: 0, path: "x.jsonl" });
 * console.assert(progressText(p.tracker.snapshot()).startsWith("banking77/m 0/2"));
 * ```
 * @module
 */
export {
  formatCounts,
  formatDuration,
  formatRate,
  type ProgressFigure,
  type ProgressSnapshot,
  progressText,
  ProgressTracker,
  type ProgressTrackerOptions,
  type ProgressUnit,
  summaryText,
} from "./tracker.ts";
export {
  complianceProgress,
  evalProgress,
  type EvalProgressSource,
  type EventProgress,
  type EventProgressOptions,
  loadProgress,
  perfProgress,
  type ProgressChange,
  roundsProgress,
  sweepProgress,
} from "./events.ts";
export { LINE_INTERVAL_MS, LINE_STEP_SHARE, LinePacer, type LinePacerOptions } from "./lines.ts";
export { jsonSafeEvent, type ProgressJson, progressJson, progressJsonLine } from "./json.ts";
export {
  type JupyterDisplay,
  type NotebookProgress,
  notebookProgress,
  type NotebookProgressOptions,
} from "./notebook.ts";
