/** What every sandbox command line is built from, and what it becomes. @module */
import type { EtcEntry, HostLayout } from "./_host.ts";
import type { SandboxLimits } from "./_types.ts";

/** Size of each writable scratch file system (`/tmp` and the work folder) on Linux. */
export const SCRATCH_BYTES = 64 * 1024 * 1024;

/** Where the work folder appears inside a Linux sandbox. */
export const LINUX_WORK_DIR = "/sandbox";

/** Name of the program file inside the work folder. */
export const PROGRAM_FILE = "main.py";

/** Inputs of a sandbox command line. */
export interface LaunchSpec {
  /** The fresh host folder: holds the program file; the only writable place on macOS. */
  hostDir: string;
  /** The command to run inside, with its arguments; runs in the work folder. */
  inner: string[];
  /** The whole environment of the inner command. */
  env: Record<string, string>;
  /** Folders the inner command needs besides the system ones (the Python installation). */
  readDirs: string[];
  /** Resource bounds. */
  limits: SandboxLimits;
  /** Host facts. */
  host: HostLayout;
  /** User id the program runs as when the benchmark runs as root (Linux). */
  sandboxUid: number;
  /**
   * Host path of the compiled seccomp filter (see `_seccomp.ts`) that bubblewrap loads with
   * `--seccomp`; it stays outside the sandbox. @default none (no filter)
   */
  seccompFile?: string;
}

/** A command ready for `Deno.Command`: run with exactly `env`, in `cwd`. */
export interface Launch {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Thrown by a command-line builder when a required helper program is missing. */
export class LaunchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LaunchError";
  }
}

/** The absolute path of a helper program, or a {@linkcode LaunchError} naming what is missing. */
export function tool(host: HostLayout, name: string, hint: string): string {
  const path = host.tools[name];
  if (!path) {
    throw new LaunchError(`Cannot build the sandbox: '${name}' was not found: ${hint}`);
  }
  return path;
}

/** CPU seconds per process: a backstop that ends a busy program even if its killer died. */
export function cpuSeconds(limits: SandboxLimits): number {
  return Math.ceil(limits.timeoutMs / 1000) + 1;
}

/** `prlimit` arguments that bound memory, processes, CPU time, file size and core dumps. */
export function prlimitArgs(limits: SandboxLimits): string[] {
  return [
    `--as=${limits.memoryBytes}`,
    `--cpu=${cpuSeconds(limits)}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${SCRATCH_BYTES}`,
    "--core=0",
    "--",
  ];
}

/**
 * Extra read-only folders that the system folders do not already cover, never `/` itself,
 * sorted so that parents come first.
 */
export function extraReadDirs(spec: LaunchSpec): string[] {
  const covered = spec.host.systemEntries.map((entry) => entry.path);
  return [...new Set(spec.readDirs)]
    .filter((dir) => dir.startsWith("/") && dir !== "/")
    .filter((dir) => !covered.some((root) => dir === root || dir.startsWith(`${root}/`)))
    .sort();
}

/** Every ancestor folder of `dir` below `/`, outermost first: `/a/b/c` gives `/a`, `/a/b`. */
export function ancestors(dir: string): string[] {
  const parts = dir.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, index) => `/${parts.slice(0, index + 1).join("/")}`);
}

/** True when the benchmark itself runs as root, so the program must switch to another user. */
export function runsAsRoot(spec: LaunchSpec): boolean {
  return spec.host.uid === 0;
}

/**
 * `setpriv` arguments that drop every capability and, from root, switch to `sandboxUid`; the
 * parent-death signal is set after the switch (which clears it), so the program dies with the
 * sandbox process that started it.
 */
export function setprivArgs(spec: LaunchSpec): string[] {
  const user = runsAsRoot(spec)
    ? [`--reuid=${spec.sandboxUid}`, `--regid=${spec.sandboxUid}`, "--clear-groups"]
    : [];
  return [
    ...user,
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--pdeathsig",
    "SIGKILL",
    "--",
  ];
}

/** The /etc entries a Linux sandbox shows (see `ETC_ENTRIES`); none when the host lists none. */
export function etcEntries(spec: LaunchSpec): EtcEntry[] {
  return spec.host.etcEntries ?? [];
}
