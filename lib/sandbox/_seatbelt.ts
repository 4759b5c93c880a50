/** The macOS `sandbox-exec` (Seatbelt) profile and command line. @module */
import { cpuSeconds, type Launch, type LaunchSpec, SCRATCH_BYTES, tool } from "./_launch.ts";

/** Mach services left reachable: user and group lookups, notifications, logging. */
const MACH_SERVICES = [
  "com.apple.system.opendirectoryd.libinfo",
  "com.apple.system.notification_center",
  "com.apple.system.logger",
];

/** Quotes a string for the Seatbelt profile language. */
export function sbplString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** What the profile lets the program touch; paths must be real (symlinks resolved). */
export interface SeatbeltPaths {
  /** The only folder the program may write, and may read even inside `home`. */
  workDir: string;
  /** Interpreter paths the program may be executed from. */
  executables: string[];
  /** Folders of the interpreter: readable, and executables inside them may be run. */
  pythonDirs: string[];
  /** The user's home folder, hidden from the program; null to hide nothing. */
  home: string | null;
}

/**
 * A Seatbelt profile: no network, no writes outside `workDir` (and /dev/null), the home folder
 * unreadable, no new processes, no exec beyond the interpreter, no signals to or inspection of
 * other processes, no Mach services beyond a few harmless lookups. Later rules override earlier ones.
 */
export function seatbeltProfile(paths: SeatbeltPaths): string {
  const subpaths = (dirs: string[]) => dirs.map((dir) => `(subpath ${sbplString(dir)})`);
  const work = sbplString(paths.workDir);
  const lines = [
    "(version 1)",
    "(allow default)",
    "(deny network*)",
    "(deny file-write*)",
    `(allow file-write* (subpath ${work}))`,
    '(allow file-write-data (literal "/dev/null") (literal "/dev/zero"))',
  ];
  if (paths.home !== null) {
    lines.push(
      `(deny file-read* (subpath ${sbplString(paths.home)}))`,
      `(allow file-read* ${[`(subpath ${work})`, ...subpaths(paths.pythonDirs)].join(" ")})`,
    );
  }
  const executables = paths.executables.map((path) => `(literal ${sbplString(path)})`);
  lines.push(
    "(deny process-fork)",
    "(deny process-exec*)",
    `(allow process-exec* ${[...executables, ...subpaths(paths.pythonDirs)].join(" ")})`,
    "(deny signal)",
    "(allow signal (target self))",
    "(deny process-info* (target others))",
    "(deny mach-lookup)",
    `(allow mach-lookup ${MACH_SERVICES.map((name) => `(global-name "${name}")`).join(" ")})`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * `sh` sets the resource limits macOS honours (CPU time, file size, core dumps), then execs `sandbox-exec`
 * with {@linkcode seatbeltProfile}. macOS does not enforce RLIMIT_AS (and every process maps
 * gigabytes of shared cache), so memory is watched from outside instead; forking is denied, so
 * the program stays one process.
 */
export function seatbeltLaunch(spec: LaunchSpec, paths: SeatbeltPaths): Launch {
  const sandboxExec = tool(spec.host, "sandbox-exec", "it is built into macOS");
  const sh = tool(spec.host, "sh", "install a POSIX shell");
  const script = [
    "ulimit -c 0",
    `ulimit -f ${Math.floor(SCRATCH_BYTES / 512)}`,
    `ulimit -t ${cpuSeconds(spec.limits)}`,
    'exec "$@"',
  ].join("; ");
  return {
    cmd: sh,
    args: ["-c", script, "sh", sandboxExec, "-p", seatbeltProfile(paths), ...spec.inner],
    env: spec.env,
    cwd: spec.hostDir,
  };
}
