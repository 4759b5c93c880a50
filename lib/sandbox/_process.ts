/** Running a sandbox command with a wall-clock limit, a byte cap and a memory watch. @module */
import { type Captured, captureStream } from "./_capture.ts";
import type { Launch } from "./_launch.ts";
import { type Lifeline, spawnGuarded } from "../process/mod.ts";

/** Reads the resident memory of a process in bytes, or null when it cannot be read. */
export type RssSampler = (pid: number) => Promise<number | null>;

/** How to run one launch. */
export interface RunLaunchOptions {
  /** Kill the process group after this long. */
  timeoutMs: number;
  /** Bytes kept of each output stream. */
  maxOutputBytes: number;
  /** Kill the process group when its resident memory goes above `limitBytes` (macOS). */
  memoryWatch?: { limitBytes: number; sample: RssSampler; intervalMs: number };
  /** Monotonic clock in milliseconds. */
  clock: () => number;
  /** Kills the process and rejects with the abort reason. */
  signal?: AbortSignal;
  /**
   * How the launch learns that this process died (lib/process). `pipe` kills the launch's whole
   * process group, which is the only boundary a launch without namespaces has.
   * @default the platform's default lifeline
   */
  lifeline?: Lifeline;
}

/** What a launch left behind, before classification. */
export interface LaunchOutcome {
  exitCode: number | null;
  signal: string | null;
  stdout: Captured;
  stderr: Captured;
  timedOut: boolean;
  memoryExceeded: boolean;
  durationMs: number;
}

/** How long to keep reading output after the process exited (a leaked pipe holder). */
const DRAIN_GRACE_MS = 1000;

function killGroup(child: Deno.ChildProcess): void {
  try {
    Deno.kill(-child.pid, "SIGKILL"); // the whole session: the child is detached (setsid)
  } catch {
    // Already gone.
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

function delay(ms: number): { promise: Promise<void>; clear(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => id = setTimeout(resolve, ms));
  return { promise, clear: () => clearTimeout(id) };
}

/**
 * Spawns `launch` in its own session with a lifeline (it dies with this process), enforces the
 * limits, and collects what it printed.
 */
export async function runLaunch(launch: Launch, options: RunLaunchOptions): Promise<LaunchOutcome> {
  options.signal?.throwIfAborted();
  const start = options.clock();
  // A lifeline (lib/process): the sandbox ends with this process, even after a kill -9.
  const child = spawnGuarded(launch.cmd, {
    args: launch.args,
    env: launch.env,
    clearEnv: true,
    cwd: launch.cwd,
    stdout: "piped",
    stderr: "piped",
    detached: true,
    lifeline: options.lifeline,
  });
  const stdout = captureStream(child.stdout, options.maxOutputBytes);
  const stderr = captureStream(child.stderr, options.maxOutputBytes);
  let timedOut = false;
  let memoryExceeded = false;
  let exited = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs);
  const onAbort = () => killGroup(child);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const watch = options.memoryWatch;
  const watcher = watch
    ? (async () => {
      while (!exited) {
        const rss = await watch.sample(child.pid);
        if (!exited && rss !== null && rss > watch.limitBytes) {
          memoryExceeded = true;
          killGroup(child);
          return;
        }
        await delay(watch.intervalMs).promise;
      }
    })()
    : Promise.resolve();
  const status = await child.status;
  exited = true;
  const durationMs = options.clock() - start;
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  killGroup(child); // nothing of the program outlives it
  const grace = delay(DRAIN_GRACE_MS);
  const drained = Promise.all([stdout.done, stderr.done]);
  await Promise.race([drained, grace.promise]);
  grace.clear();
  stdout.cancel();
  stderr.cancel();
  const [out, err] = await drained;
  await watcher;
  options.signal?.throwIfAborted();
  return {
    exitCode: status.signal === null ? status.code : null,
    signal: status.signal,
    stdout: out,
    stderr: err,
    timedOut,
    memoryExceeded,
    durationMs,
  };
}

/**
 * Resident memory of a process and all its descendants, from `ps -axo pid=,ppid=,rss=`
 * (kilobytes), for the macOS memory watch: the launched process may be a lifeline wrapper whose
 * child is the program. Null when `ps` fails or the process is gone.
 */
export async function psRss(pid: number): Promise<number | null> {
  let text: string;
  try {
    const output = await new Deno.Command("/bin/ps", {
      args: ["-axo", "pid=,ppid=,rss="],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    text = new TextDecoder().decode(output.stdout);
  } catch {
    return null;
  }
  const rows = text.split("\n").map((line) => line.trim().split(/\s+/).map(Number))
    .filter((r) => r.length === 3 && r.every(Number.isFinite));
  if (!rows.some(([p]) => p === pid)) return null;
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, parent] of rows) {
      if (!tree.has(p) && tree.has(parent)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  return rows.filter(([p]) => tree.has(p)).reduce((sum, [, , kb]) => sum + kb * 1024, 0);
}
