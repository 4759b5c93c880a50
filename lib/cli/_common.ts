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

/**
 * A condition outside the tool that stops a command (a program not installed, a failed install
 * step): one line and exit 1.
 */
export class EnvironmentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EnvironmentError";
  }
}

/** Bounds of an integer flag for {@linkcode intFlag}. */
export interface IntFlagRange {
  /** Smallest allowed value. @default no bound */
  min?: number;
  /** Largest allowed value. @default no bound */
  max?: number;
}

/**
 * Parse an integer flag, or throw a UsageError naming the flag, the rule and the value
 * (`Flag --runs must be an integer of at least 1: current value is "-3"`).
 */
export function intFlag(
  name: string,
  value: string | undefined,
  range: IntFlagRange = {},
): number | undefined {
  if (value === undefined) return undefined;
  const { min, max } = range;
  const rule = min !== undefined && max !== undefined
    ? `an integer from ${min} to ${max}`
    : min !== undefined
    ? `an integer of at least ${min}`
    : max !== undefined
    ? `an integer of at most ${max}`
    : "an integer";
  const n = Number(value.trim());
  const isInt = /^[-+]?\d+$/.test(value.trim()) && Number.isSafeInteger(n);
  if (!isInt || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw new UsageError(
      `Flag --${name} must be ${rule}: current value is ${isInt ? n : JSON.stringify(value)}`,
    );
  }
  return n;
}

/** What {@linkcode dirFlag} requires of the folder. */
export interface DirFlagOptions {
  /** The folder must exist (an input); otherwise it may be missing (an output, created later). */
  mustExist?: boolean;
}

/**
 * A folder flag (`--results-dir DIR`): undefined when not given, else the path as given. A path
 * that is a file, or a missing folder that must exist, is a UsageError naming the flag and the
 * value; nothing is created here.
 */
export function dirFlag(
  name: string,
  value: string | undefined,
  options: DirFlagOptions = {},
): string | undefined {
  if (value === undefined) return undefined;
  let info: Deno.FileInfo | null = null;
  try {
    info = Deno.statSync(value);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new UsageError(
        `Flag --${name} cannot be used (${
          (error as Error).message.split(" (os error")[0]
        }): current value is ${JSON.stringify(value)}`,
      );
    }
  }
  if (info && !info.isDirectory) {
    throw new UsageError(
      `Flag --${name} must be a folder, but it names a file: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  if (!info && options.mustExist) {
    throw new UsageError(
      `Flag --${name} must be an existing folder, but there is no such folder: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

/**
 * Error classes of conditions outside the tool a user can cause or fix (a server down, a
 * dataset or model file missing, a folder that cannot be written, a tool not installed): one
 * line and exit 1, never a stack trace.
 */
const ENVIRONMENT_ERRORS = new Set([
  "EnvironmentError",
  "BackendError",
  "ModelMismatchError",
  "ModelFileError",
  "DatasetError",
  "DownloadError",
  "SandboxUnavailableError",
  "PythonNotFoundError",
  "LaunchError",
  "ServerLaunchError",
  "HarnessError",
  "SetupError",
  "PdfError",
  "PngError",
  "MemoryTargetError",
  "MemoryReadError",
  "MemorySamplerError",
  "ResultsWriteError",
]);

/** Exit code of an error: 2 for bad input, 1 for the environment, null for a bug (stack shown). */
export function exitCodeOf(error: unknown): 1 | 2 | null {
  if (
    error instanceof ConfigError || error instanceof UnknownNameError ||
    error instanceof UsageError || error instanceof RangeError ||
    (error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))
  ) return EXIT_USAGE;
  if (!(error instanceof Error)) return null;
  if (ENVIRONMENT_ERRORS.has(error.name)) return 1;
  // Operating-system errors (files, folders, sockets): Deno.errors.* or an errno code.
  if (Object.values(Deno.errors).some((E) => error instanceof E)) return 1;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return 1;
  return null;
}

/** The one line (or two) printed for an error a user can cause. */
export function errorLines(error: Error): string[] {
  const lines = [`error: ${error.message}`];
  const second = (error as { manifestError?: unknown }).manifestError;
  if (second) {
    lines.push(
      `note: the run's manifest could not be updated either: ${
        second instanceof Error ? second.message : String(second)
      }`,
    );
  }
  return lines;
}

/**
 * Run a CLI main: bad input (config, flags, names) exits 2 and environment problems (a server
 * down, an unwritable folder, a missing file) exit 1, each with one clear line; only a bug shows
 * a stack trace (exit 1).
 */
export async function runMain(main: () => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (error) {
    const code = exitCodeOf(error);
    if (code !== null) {
      for (const line of errorLines(error as Error)) console.error(line);
      Deno.exit(code);
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

/** Options for {@linkcode parseFlags}. */
export interface ParseFlagsOptions {
  /**
   * Boolean flags that may be followed by a value (`--resume [RUN_ID]`, `setup --models
   * [KEYS]`): the result holds the value, `true`, or undefined. @default []
   */
  optionalValue?: string[];
}

/** Messages of node:util parseArgs errors, said the way this tool says them. */
function usageOf(error: TypeError & { code?: string }, args: string[]): UsageError {
  const text = error.message;
  const flag = text.match(/'(-{1,2}[^' <]+)/)?.[1] ?? "";
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(`Unknown option '${flag}' (see --help for the flags of this command)`);
  }
  if (/argument missing/.test(text)) {
    return new UsageError(`Flag ${flag} needs a value (e.g. ${flag} VALUE)`);
  }
  if (/does not take an argument/.test(text)) {
    const given = args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
    return new UsageError(
      `Flag ${flag} takes no value: current value is ${JSON.stringify(given ?? "")}`,
    );
  }
  if (/ambiguous/.test(text)) {
    const i = args.indexOf(flag);
    return new UsageError(
      `Flag ${flag} needs a value, but it is followed by ${
        JSON.stringify(args[i + 1] ?? "")
      }, which reads as a flag (write ${flag}=VALUE for a value starting with '-')`,
    );
  }
  return new UsageError(text.split("\n")[0]);
}

/**
 * Parse strict flags the way every command does: `--flag -3` is the value -3 (a negative number
 * is never a flag), an empty value (`--models ""`) is refused, and every problem (unknown flag,
 * missing value, stray argument) is a UsageError naming the flag and the value.
 */
// deno-lint-ignore explicit-module-boundary-types
export function parseFlags<T extends ParseArgsOptionsConfig>(
  args: string[],
  options: T,
  parse: ParseFlagsOptions = {},
) {
  const rest: string[] = [];
  const optional: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith("--") ? arg.slice(2).split("=")[0] : "";
    const next = args[i + 1];
    if (name && !arg.includes("=") && next !== undefined) {
      if (options[name]?.type === "string" && /^-(\d|\.\d)/.test(next)) {
        rest.push(`${arg}=${next}`);
        i++;
        continue;
      }
      if (parse.optionalValue?.includes(name) && !next.startsWith("-")) {
        if (next.trim() === "") {
          throw new UsageError(`Flag --${name} is empty: current value is ""`);
        }
        optional[name] = next;
        rest.push(arg);
        i++;
        continue;
      }
    }
    rest.push(arg);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    if (
      error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) throw usageOf(error, rest);
    throw error;
  }
  const { values, positionals } = parsed;
  if (positionals.length) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string" && value.trim() === "" && options[name]?.type === "string") {
      throw new UsageError(`Flag --${name} is empty: current value is ${JSON.stringify(value)}`);
    }
  }
  for (const [name, value] of Object.entries(optional)) {
    (values as Record<string, unknown>)[name] = value;
  }
  return values;
}

/**
 * {@linkcode parseFlags} where `--resume` may be followed by a run id (`--resume RUN_ID`); the
 * result's `resume` is the id, `true`, or undefined.
 */
// deno-lint-ignore explicit-module-boundary-types
export function parseFlagsWithResume<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  const values = parseFlags(args, options, { optionalValue: ["resume"] });
  return { ...values, resume: (values as { resume?: boolean | string }).resume };
}
