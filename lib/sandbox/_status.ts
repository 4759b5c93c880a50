/** Turning what a launch left behind into a status. @module */
import type { SandboxStatus } from "./_types.ts";

/** The facts a status is decided from. */
export interface StatusFacts {
  timedOut: boolean;
  memoryExceeded: boolean;
  /** The interpreter reported that it started the program. */
  started: boolean;
  exitCode: number | null;
  signal: string | null;
  /** The end of standard error. */
  stderrTail: string;
}

/** SIGXCPU (the CPU-time backstop) as an exit code of a wrapper: 128 + 24. */
const SIGXCPU_EXIT = 152;

/** The last line of a Python traceback that means the memory limit was hit. */
const MEMORY_LINE = /^(MemoryError\b|.*\bCannot allocate memory\b|Fatal Python error: .*memory)/i;

/** The last non-blank line of a text. */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}

/**
 * Decides the status: a timeout or the memory watch first, then `error` when the interpreter
 * never started the program, then exit 0 as `passed`, a MemoryError as `memory`, else `failed`.
 */
export function classify(facts: StatusFacts): SandboxStatus {
  if (facts.timedOut) return "timeout";
  if (facts.memoryExceeded) return "memory";
  if (!facts.started) return "error";
  if (facts.signal === "SIGXCPU" || facts.exitCode === SIGXCPU_EXIT) return "timeout";
  if (facts.exitCode === 0) return "passed";
  if (MEMORY_LINE.test(lastLine(facts.stderrTail))) return "memory";
  return "failed";
}
