// deno-lint-ignore-file no-console
/** Shared command-line plumbing: errors to exit codes, a progress bar, number formatting. */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ConfigError, UnknownNameError } from "../config/mod.ts";
import { ciMethodLabel } from "../stats/mod.ts";

/** Exit code for bad input (config, flags, names): nothing was written. */
export const EXIT_USAGE = 2;

/** A bad command-line flag value: names the flag and the value. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parse an integer flag, or throw a UsageError naming it. */
export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) {
    throw new UsageError(
      `Flag --${name} must be an integer: current value is ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** Run a CLI main: input errors exit 2 with one clear line, others exit 1. */
export async function runMain(main: () => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof UnknownNameError ||
      error instanceof UsageError ||
      (error instanceof TypeError &&
        (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))
    ) {
      console.error(`error: ${error.message}`);
      Deno.exit(EXIT_USAGE);
    }
    console.error(
      `error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
    );
    Deno.exit(1);
  }
}

/** A one-line progress bar on stderr (a terminal): `label ███░░ text`, redrawn in place. */
export class ProgressBar {
  #encoder = new TextEncoder();
  #drawn = false;
  #write: (text: string) => void;

  constructor(
    write: (text: string) => void = (t) => Deno.stderr.writeSync(this.#encoder.encode(t)),
  ) {
    this.#write = write;
  }

  /** Draw `label`, a bar filled to `fraction` (0..1, or null for no bar), then `text`. */
  draw(label: string, fraction: number | null, text: string): void {
    let columns = 120;
    try {
      columns = Deno.consoleSize().columns;
    } catch { /* not a terminal */ }
    // The bar gives way to the text on a narrow terminal (8 to 24 cells).
    const width = Math.max(8, Math.min(24, columns - 3 - label.length - text.length));
    const bar = fraction === null ? "" : (() => {
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      return " " + "█".repeat(filled) + "░".repeat(width - filled);
    })();
    const line = `${label}${bar} ${text}`.slice(0, columns - 1);
    this.#write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Erase the bar line (before other output). */
  clear(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }
}

/** Format a number with fixed decimals, or `n/a`. */
export function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "n/a"
    : value.toFixed(digits);
}

/** `value [95% CI: low, high] (method)`; the method when the estimate names one (`ci_method`). */
export function fmtCi(
  estimate: { value: number | null; ci95: [number, number] | null; ci_method?: string },
  digits = 1,
  unit = "",
): string {
  const method = estimate.ci95 && estimate.ci_method
    ? ` (${ciMethodLabel(estimate.ci_method)})`
    : "";
  const ci = estimate.ci95
    ? ` [95% CI: ${fmt(estimate.ci95[0], digits)}, ${fmt(estimate.ci95[1], digits)}]${method}`
    : "";
  return `${fmt(estimate.value, digits)}${unit}${ci}`;
}

/** Bytes in MiB (2^20 bytes) with one decimal. */
export function fmtMib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined
    ? "n/a"
    : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Parse strict flags where `--resume` may be followed by a run id (`--resume RUN_ID`); the result's
 * `resume` is the id, `true`, or undefined. A stray positional argument is a UsageError.
 */
// deno-lint-ignore explicit-module-boundary-types
export function parseFlagsWithResume<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  const i = args.indexOf("--resume");
  const rest = [...args];
  let resumeId: string | undefined;
  if (i !== -1 && rest[i + 1] && !rest[i + 1].startsWith("--")) resumeId = rest.splice(i + 1, 1)[0];
  const { values, positionals } = parseArgs({
    args: rest,
    options,
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  }
  return { ...values, resume: resumeId ?? (values as { resume?: boolean }).resume };
}
