/**
 * How the commands show progress on stderr, from the events lib/ emits (lib/progress counts):
 * a bar with elapsed time and ETA on a terminal; plain lines in a log (after each 5 % of the work,
 * and at least every 10 s while a run is under way); JSON lines with `--progress json`; nothing
 * with `--quiet`.
 * @module
 */
import type { DownloadProgress } from "../download/mod.ts";
import {
  type EventProgress,
  formatCounts,
  formatDuration,
  formatRate,
  LinePacer,
  type ProgressChange,
  progressJsonLine,
  type ProgressSnapshot,
  progressText,
  ProgressTracker,
} from "../progress/mod.ts";
import { ProgressBar, UsageError } from "./_common.ts";

/** `--progress` values. */
export const PROGRESS_MODES = ["auto", "bar", "lines", "json", "none"] as const;
/** How progress is shown. */
export type ProgressMode = typeof PROGRESS_MODES[number];

/** The parseArgs options of the progress flags. */
export const PROGRESS_OPTIONS = {
  progress: { type: "string" },
  quiet: { type: "boolean" },
} as const;

/** Help lines of the progress flags, their text starting at `column` (as the command's own). */
export function progressHelp(column = 27): string {
  const flag = (f: string) => `  ${f}`.padEnd(column);
  const more = " ".repeat(column);
  return [
    `${flag("--progress MODE")}auto (default): a bar on a terminal, else a plain line after`,
    `${more}each 5 % of the work and at least every 10 s; bar; lines; json (the`,
    `${more}events as JSON lines on stderr, see README); none`,
    `${flag("--quiet")}no progress output (--progress none)`,
  ].join("\n");
}

/** {@linkcode progressHelp} for the commands whose flag texts start at column 27. */
export const PROGRESS_HELP: string = progressHelp();

/** The mode the flags ask for; a UsageError for an unknown `--progress` value. */
export function progressModeOf(values: { progress?: string; quiet?: boolean }): ProgressMode {
  if (values.quiet) {
    if (values.progress !== undefined && values.progress !== "none") {
      throw new UsageError(
        `Flags --quiet and --progress ${values.progress} contradict each other: give one`,
      );
    }
    return "none";
  }
  const mode = values.progress ?? "auto";
  if (!(PROGRESS_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(
      `Flag --progress must be one of ${PROGRESS_MODES.join(", ")}: current value is ${
        JSON.stringify(mode)
      }`,
    );
  }
  return mode as ProgressMode;
}

/** Options for {@linkcode CliProgress}. */
export interface CliProgressOptions {
  /** Where progress goes. @default stderr */
  write?: (text: string) => void;
  /** Whether that is a terminal (decides `auto`). @default Deno.stderr.isTerminal() */
  isTerminal?: boolean;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

const encoder = new TextEncoder();
const toStderr = (text: string) => {
  Deno.stderr.writeSync(encoder.encode(text));
};

/** One command's progress display, fed by its events through {@linkcode CliProgress.wrap}. */
export class CliProgress<E> {
  readonly mode: Exclude<ProgressMode, "auto">;
  #progress: EventProgress<E> | null;
  #command: string;
  #write: (text: string) => void;
  #now: () => number;
  #bar: ProgressBar;
  #pacer: LinePacer;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastDraw = -Infinity;
  #download: { tracker: ProgressTracker; pacer: LinePacer; url: string } | null = null;
  #activity: { label: string; since: number; lastLine: number } | null = null;

  constructor(
    command: string,
    progress: EventProgress<E> | null,
    mode: ProgressMode,
    options: CliProgressOptions = {},
  ) {
    this.#command = command;
    this.#progress = progress;
    this.#write = options.write ?? toStderr;
    this.#now = options.now ?? (() => performance.now());
    const terminal = options.isTerminal ?? Deno.stderr.isTerminal();
    this.mode = mode === "auto" ? (terminal ? "bar" : "lines") : mode;
    this.#bar = new ProgressBar(this.#write);
    this.#pacer = new LinePacer({ now: this.#now });
  }

  /** The handler with progress around it: the bar is erased before it prints, then redrawn. */
  wrap(handler: (event: E) => void): (event: E) => void {
    return (event: E) => {
      const change = this.#progress?.update(event) ?? null;
      if (this.mode === "bar" && change !== "tick") this.#bar.clear();
      handler(event);
      this.#render(event, change);
    };
  }

  /** Feed an event that the command does not print itself. */
  event(event: E): void {
    this.wrap(() => {})(event);
  }

  /** The current snapshot, when this display counts anything. */
  snapshot(): ProgressSnapshot | null {
    return this.#progress?.tracker.snapshot() ?? null;
  }

  /** Erase the bar before other output (it is redrawn at the next event or second). */
  clear(): void {
    if (this.mode === "bar") this.#bar.clear();
  }

  #render(event: E, change: ProgressChange | null): void {
    const s = this.snapshot();
    if (this.mode === "json") {
      this.#write(progressJsonLine(this.#command, event, s) + "\n");
      return;
    }
    if (this.mode === "none" || s === null) return;
    if (change === "start") this.#startTimer();
    if (this.mode === "bar") {
      if (!s.active) return;
      const t = this.#now();
      if (change === "tick" && t - this.#lastDraw < 100) return;
      this.#lastDraw = t;
      this.#drawBar(s);
    } else if (change !== null && this.#pacer.due(s, change === "end")) {
      this.#line(s);
    }
  }

  #drawBar(s: ProgressSnapshot): void {
    const total = s.total;
    const text = progressText(s, { label: false });
    this.#bar.draw(s.label, total > 0 ? s.done / total : null, text);
  }

  #line(s: ProgressSnapshot): void {
    this.#write(`progress: ${progressText(s)}\n`);
    this.#pacer.printed(s);
  }

  /** Every second: redraw the bar (elapsed, ETA), or write a line when 10 s passed without one. */
  #startTimer(): void {
    if (this.#timer !== null || this.mode === "json" || this.mode === "none") return;
    const timer = setInterval(() => this.#tick(), 1000);
    Deno.unrefTimer(timer as unknown as number);
    this.#timer = timer;
  }

  #tick(): void {
    if (this.#activity) {
      const a = this.#activity;
      const elapsed = formatDuration(this.#now() - a.since);
      if (this.mode === "bar") this.#bar.draw(a.label, null, `elapsed ${elapsed}`);
      else if (this.#now() - a.lastLine >= 10_000) {
        this.#write(`progress: ${a.label} | elapsed ${elapsed}\n`);
        a.lastLine = this.#now();
      }
      return;
    }
    const s = this.snapshot();
    if (!s?.active) return;
    if (this.mode === "bar") this.#drawBar(s);
    else if (this.#pacer.due(s)) this.#line(s);
  }

  /** Bytes of a download (a model file): a bar of MiB on a terminal, else paced lines. */
  download(p: DownloadProgress): void {
    if (this.mode === "json") {
      this.#write(progressJsonLine(this.#command, { type: "download", ...p }, null) + "\n");
      return;
    }
    if (this.mode === "none") return;
    if (this.#download?.url !== p.url) {
      const tracker = new ProgressTracker(this.#command, "byte", { now: this.#now });
      const pacer = new LinePacer({ now: this.#now });
      this.#download = { tracker, pacer, url: p.url };
      tracker.begin(`downloading ${p.url.split("/").pop()}`, p.totalBytes ?? 0);
      pacer.due(tracker.snapshot());
    }
    const d = this.#download;
    d.tracker.advance(p.receivedBytes);
    const s = d.tracker.snapshot();
    const finished = p.totalBytes !== null && p.receivedBytes >= p.totalBytes;
    if (this.mode === "bar") {
      const t = this.#now();
      if (!finished && t - this.#lastDraw < 100) return;
      this.#lastDraw = t;
      const text = `${formatCounts(s.done, s.total, "byte")} | ${
        formatRate(s.ratePerS, "byte")
      } | ETA ${formatDuration(s.etaMs)}`;
      this.#bar.draw(s.label, s.total ? s.done / s.total : null, text);
      if (finished) this.#bar.clear();
    } else if (d.pacer.due(s, finished)) {
      this.#write(`progress: ${progressText(s)}\n`);
      d.pacer.printed(s);
    }
  }

  /**
   * A step without a count (a build, a pip download): its elapsed time, on the bar each second
   * or in a line every 10 s; null ends it.
   */
  activity(label: string | null): void {
    if (this.mode === "json") {
      if (label !== null) {
        this.#write(progressJsonLine(this.#command, { type: "activity", label }, null) + "\n");
      }
      return;
    }
    if (this.mode === "none") return;
    this.#bar.clear();
    this.#activity = label === null ? null : { label, since: this.#now(), lastLine: this.#now() };
    if (label !== null) this.#startTimer();
  }

  /** Write one event as a JSON line in json mode (events the command reports itself). */
  json(event: unknown): void {
    if (this.mode === "json") {
      this.#write(progressJsonLine(this.#command, event, this.snapshot()) + "\n");
    }
  }

  /** Stop the timer and erase the bar. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#activity = null;
    this.clear();
  }
}
