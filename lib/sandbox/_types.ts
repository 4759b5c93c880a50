/** Public shapes of the sandbox: its kinds, limits and results. @module */

/** An isolation mechanism: bubblewrap or util-linux `unshare` on Linux, `sandbox-exec` on macOS. */
export type SandboxKind = "bwrap" | "unshare" | "sandbox-exec";

/** Every sandbox kind, in the order detection tries them on their platform. */
export const SANDBOX_KINDS: readonly SandboxKind[] = ["bwrap", "unshare", "sandbox-exec"];

/** Resource bounds of one sandboxed execution. */
export interface SandboxLimits {
  /** Wall-clock limit; the whole sandbox is killed when it expires. @default 10000 */
  timeoutMs: number;
  /** Address-space limit per process (RLIMIT_AS; an RSS watchdog on macOS). @default 512 MiB */
  memoryBytes: number;
  /** Processes (and threads) the program may have at once; no new process on macOS. @default 32 */
  maxProcesses: number;
  /** Bytes kept of stdout and of stderr each; the rest is read and dropped. @default 64 KiB */
  maxOutputBytes: number;
}

/** Limits used where a field is not given. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 10_000,
  memoryBytes: 512 * 1024 * 1024,
  maxProcesses: 32,
  maxOutputBytes: 64 * 1024,
});

/**
 * How a sandboxed program ended: `passed` (exit 0), `failed` (non-zero exit or signal),
 * `timeout` (killed at the wall-clock limit), `memory` (ran out of its memory limit), `error`
 * (the sandbox or the interpreter could not start the program).
 */
export type SandboxStatus = "passed" | "failed" | "timeout" | "memory" | "error";

/** What one sandboxed execution left behind. */
export interface SandboxResult {
  /** How the program ended. */
  status: SandboxStatus;
  /** Exit code of the sandbox process, or null when it was killed by a signal. */
  exitCode: number | null;
  /** Signal that ended the sandbox process (`SIGKILL` at a timeout), or null. */
  signal: string | null;
  /** Standard output, cut to `maxOutputBytes`. */
  stdout: string;
  /** The last 4 KiB of standard output (all of it when shorter), kept even when stdout was cut. */
  stdoutTail: string;
  /** Standard error, cut to `maxOutputBytes` (or the reason the sandbox could not start). */
  stderr: string;
  /** True when stdout or stderr was longer than `maxOutputBytes` and was cut. */
  outputTruncated: boolean;
  /** Wall-clock time from spawning the sandbox to its exit. */
  durationMs: number;
  /** The isolation the program ran under; `none` only with `allowUnsafe`. */
  sandbox: SandboxKind | "none";
}
