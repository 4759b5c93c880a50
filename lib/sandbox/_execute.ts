/** One execution in a fresh work folder under a given isolation, shared by runs and probes. @module */
import { bwrapLaunch } from "./_bwrap.ts";
import type { HostLayout } from "./_host.ts";
import {
  type Launch,
  LaunchError,
  type LaunchSpec,
  LINUX_WORK_DIR,
  PROGRAM_FILE,
} from "./_launch.ts";
import { type LaunchOutcome, psRss, type RssSampler, runLaunch } from "./_process.ts";
import { seatbeltLaunch } from "./_seatbelt.ts";
import { seccompFilter } from "./_seccomp.ts";
import type { SandboxKind, SandboxLimits } from "./_types.ts";
import { ROOT_MOUNT_DIR, unshareLaunch } from "./_unshare.ts";
import { unsafeLaunch } from "./_unsafe.ts";

/** One execution to perform. */
export interface ExecuteRequest {
  kind: SandboxKind | "none";
  /** Text of the program file written into the work folder. */
  program: string;
  /** Builds the inner command once the work folder inside the sandbox is known. */
  inner: (workDir: string) => string[];
  /** Folders the inner command reads besides the system ones, and the executables it runs. */
  readDirs: string[];
  executables: string[];
  limits: SandboxLimits;
  host: HostLayout;
  clock: () => number;
  signal?: AbortSignal;
  /** Resident-memory sampler for the macOS memory watch. @default `ps -o rss=` */
  sampleRss?: RssSampler;
  /** Parent of the fresh host folder. @default the system temp folder */
  tempDir?: string;
}

/** A failure to build or spawn the sandbox, reported as an outcome rather than thrown. */
export interface ExecuteFailure {
  error: string;
}

/** Name of the compiled seccomp filter in the host folder (never inside the sandbox). */
const SECCOMP_FILE = "seccomp.bpf";

/** Bounds of the macOS memory watch. */
const RSS_INTERVAL_MS = 50;

function randomUid(): number {
  // A fresh unprivileged uid per run, far above real accounts, so RLIMIT_NPROC counts only
  // this program's processes.
  const [value] = crypto.getRandomValues(new Uint32Array(1));
  return 2_000_000_000 + (value % 100_000_000);
}

function innerEnv(kind: SandboxKind | "none", workDir: string): Record<string, string> {
  return {
    PATH: "/usr/bin:/bin",
    HOME: workDir,
    TMPDIR: kind === "bwrap" || kind === "unshare" ? "/tmp" : workDir,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
  };
}

async function buildLaunch(request: ExecuteRequest, hostDir: string): Promise<Launch> {
  const linux = request.kind === "bwrap" || request.kind === "unshare";
  const workDir = linux ? LINUX_WORK_DIR : await Deno.realPath(hostDir);
  const spec: LaunchSpec = {
    hostDir,
    inner: request.inner(workDir),
    env: innerEnv(request.kind, workDir),
    readDirs: request.readDirs,
    limits: request.limits,
    host: request.host,
    sandboxUid: randomUid(),
  };
  switch (request.kind) {
    case "bwrap": {
      const filter = seccompFilter();
      if (filter === null) {
        throw new LaunchError(
          `Cannot build the sandbox: no seccomp filter for architecture ${Deno.build.arch}`,
        );
      }
      spec.seccompFile = `${hostDir}/${SECCOMP_FILE}`;
      await Deno.writeFile(spec.seccompFile, filter, { mode: 0o600 });
      return bwrapLaunch(spec);
    }
    case "unshare":
      await Deno.mkdir(`${hostDir}/${ROOT_MOUNT_DIR}`);
      return unshareLaunch(spec);
    case "sandbox-exec":
      return seatbeltLaunch(spec, {
        workDir,
        executables: request.executables,
        pythonDirs: request.readDirs,
        home: request.host.home,
      });
    case "none":
      return unsafeLaunch(spec);
  }
}

/**
 * Writes the program into a fresh host temp folder, runs it under `kind`, and removes the
 * folder; a sandbox that cannot be built or spawned comes back as an {@linkcode ExecuteFailure}.
 */
export async function execute(request: ExecuteRequest): Promise<LaunchOutcome | ExecuteFailure> {
  const hostDir = await Deno.makeTempDir({ dir: request.tempDir, prefix: "edge-sandbox-" });
  try {
    await Deno.writeTextFile(`${hostDir}/${PROGRAM_FILE}`, request.program, { mode: 0o644 });
    await Deno.chmod(`${hostDir}/${PROGRAM_FILE}`, 0o644);
    let launch: Launch;
    try {
      launch = await buildLaunch(request, hostDir);
    } catch (error) {
      if (error instanceof LaunchError) return { error: error.message };
      throw error;
    }
    const memoryWatch = request.kind === "sandbox-exec" || request.host.platform === "darwin"
      ? {
        limitBytes: request.limits.memoryBytes,
        sample: request.sampleRss ?? psRss,
        intervalMs: RSS_INTERVAL_MS,
      }
      : undefined;
    try {
      return await runLaunch(launch, {
        timeoutMs: request.limits.timeoutMs,
        maxOutputBytes: request.limits.maxOutputBytes,
        memoryWatch,
        clock: request.clock,
        signal: request.signal,
        // Without namespaces only the process group holds the program's processes together.
        lifeline: request.kind === "none" ? "pipe" : undefined,
      });
    } catch (error) {
      if (request.signal?.aborted) throw error;
      return { error: `Cannot start ${launch.cmd}: ${(error as Error).message}` };
    }
  } finally {
    await Deno.remove(hostDir, { recursive: true }).catch(() => {});
  }
}
