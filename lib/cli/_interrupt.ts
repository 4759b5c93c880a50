// deno-lint-ignore-file no-console
/**
 * Ctrl-C for the long commands: the first stops the run (the request in flight is dropped, records
 * already written are kept), a second one a while later quits at once; either way the command
 * then says once what was saved and the exact command that resumes the run.
 * @module
 */

/**
 * A second SIGINT this soon after the first is the same Ctrl-C: node-llama-cpp's exit handler
 * (signal-exit) re-raises SIGINT in the process when it thinks it is the only listener, so one
 * Ctrl-C reaches Deno's listener twice.
 */
const SAME_CTRL_C_MS = 1000;

/** Options for {@linkcode Interrupt}. */
export interface InterruptOptions {
  /** Printed (stderr) at the first Ctrl-C, e.g. "stopping; the request in flight is not recorded". */
  notice: string;
  /** The saved/resume message printed before quitting at a second Ctrl-C. */
  onForce?: () => string;
  /** Print nothing (a rounds worker: its parent speaks). @default false */
  silent?: boolean;
  /** Before printing (erase a progress bar). */
  beforePrint?: () => void;
}

/** SIGINT handling of one run; `signal` aborts at the first Ctrl-C. */
export class Interrupt {
  readonly #controller = new AbortController();
  readonly #options: InterruptOptions;
  #firstAt: number | null = null;
  #listener = () => this.#onSignal();

  constructor(options: InterruptOptions) {
    this.#options = options;
  }

  /** Aborted at the first Ctrl-C. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the user pressed Ctrl-C. */
  get interrupted(): boolean {
    return this.#firstAt !== null;
  }

  /** Start listening for SIGINT. */
  install(): this {
    Deno.addSignalListener("SIGINT", this.#listener);
    return this;
  }

  /** Stop listening. */
  remove(): void {
    Deno.removeSignalListener("SIGINT", this.#listener);
  }

  #onSignal(): void {
    const now = performance.now();
    if (this.#firstAt === null) {
      this.#firstAt = now;
      if (!this.#options.silent) {
        this.#options.beforePrint?.();
        console.error(`\nCtrl-C: ${this.#options.notice} (Ctrl-C again to quit at once)`);
      }
      this.#controller.abort();
      return;
    }
    if (now - this.#firstAt < SAME_CTRL_C_MS) return;
    if (!this.#options.silent) {
      this.#options.beforePrint?.();
      console.error(this.#options.onForce?.() ?? "Interrupted.");
    }
    Deno.exit(130);
  }
}

/** A shell word, quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `deno task <task> --resume <run id>` plus the flags that say where and how to run (results
 * folder, config folder, server URL...), as the user gave them; `true` is a bare flag.
 */
export function resumeCommand(
  task: string,
  runId: string,
  flags: Record<string, string | boolean | undefined>,
): string {
  const words = ["deno", "task", task, "--resume", runId];
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    words.push(`--${name}`);
    if (value !== true) words.push(value);
  }
  return words.map(shellWord).join(" ");
}

/** The two lines said once when a run was interrupted: what was saved, and how to resume. */
export function interruptedMessage(saved: string, resume: string): string {
  return `Interrupted: ${saved}\nResume with: ${resume}`;
}
