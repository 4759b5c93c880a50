/** Which isolation works on this machine. @module */
import { execute } from "./_execute.ts";
import { hostLayout } from "./_host.ts";
import type { SandboxKind } from "./_types.ts";

/** The answer of one probe: true when the sandbox started a command, else why it did not. */
export type ProbeResult = true | string;

/** Options for {@linkcode detectSandbox}. */
export interface DetectSandboxOptions {
  /** Platform whose sandboxes are tried. @default Deno.build.os */
  platform?: string;
  /**
   * Tries one kind; the default starts `true` inside the real sandbox with small limits.
   * @default a real probe
   */
  probe?: (kind: SandboxKind) => Promise<ProbeResult>;
  /** Receives why each kind that was tried and did not work failed. @default ignore */
  onFailure?: (kind: SandboxKind, reason: string) => void;
}

/** Kinds tried on a platform, best first: bwrap, then unshare on Linux; sandbox-exec on macOS. */
export function sandboxCandidates(platform: string): SandboxKind[] {
  if (platform === "linux") return ["bwrap", "unshare"];
  if (platform === "darwin") return ["sandbox-exec"];
  return [];
}

/** Starts `true` inside a `kind` sandbox; true when it exited 0, else the reason. */
export async function probeSandbox(kind: SandboxKind): Promise<ProbeResult> {
  const host = await hostLayout();
  const truePath = host.tools.true;
  if (!truePath) return "no 'true' program found in /usr/bin or /bin";
  const outcome = await execute({
    kind,
    program: "",
    inner: () => [truePath],
    readDirs: [],
    executables: [truePath],
    limits: {
      timeoutMs: 10_000,
      memoryBytes: 256 * 1024 * 1024,
      maxProcesses: 8,
      maxOutputBytes: 4096,
    },
    host,
    clock: () => performance.now(),
  });
  if ("error" in outcome) return outcome.error;
  if (outcome.exitCode === 0) return true;
  const stderr = new TextDecoder().decode(outcome.stderr.head).trim().split("\n")[0] ?? "";
  const ended = outcome.timedOut
    ? "timed out"
    : outcome.signal
    ? `was killed by ${outcome.signal}`
    : `exited with code ${outcome.exitCode}`;
  return stderr ? `${ended}: ${stderr}` : ended;
}

/**
 * The best isolation that actually starts a program here, or null when none does: each
 * candidate is probed by running `true` inside it.
 *
 * @example
 * ```ts ignore
 * const kind = await detectSandbox(); // "bwrap" on a Linux box with bubblewrap installed
 * ```
 */
export async function detectSandbox(
  options: DetectSandboxOptions = {},
): Promise<SandboxKind | null> {
  const probe = options.probe ?? probeSandbox;
  for (const kind of sandboxCandidates(options.platform ?? Deno.build.os)) {
    const result = await probe(kind);
    if (result === true) return kind;
    options.onFailure?.(kind, result);
  }
  return null;
}

/** A detection with the reasons the other kinds failed. */
export interface DetectionReport {
  kind: SandboxKind | null;
  failures: string[];
}

let cached: Promise<DetectionReport> | null = null;

/** {@linkcode detectSandbox} on this machine, run once per process and shared afterwards. */
export function detectOnce(): Promise<DetectionReport> {
  cached ??= (async () => {
    const failures: string[] = [];
    const kind = await detectSandbox({
      onFailure: (failed, reason) => failures.push(`${failed}: ${reason}`),
    });
    return { kind, failures };
  })();
  return cached;
}
