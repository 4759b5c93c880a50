/** The command line without isolation: resource limits and the timeout only. @module */
import { cpuSeconds, type Launch, type LaunchSpec, SCRATCH_BYTES, tool } from "./_launch.ts";

/**
 * No namespaces and no profile: on Linux `prlimit` bounds memory, CPU time, file size and core
 * dumps (not processes: RLIMIT_NPROC counts every process of the user); on macOS `sh` bounds CPU
 * time, file size and core dumps. The program can read, write and connect wherever the user can.
 */
export function unsafeLaunch(spec: LaunchSpec): Launch {
  if (spec.host.platform === "linux" && spec.host.tools.prlimit) {
    const prlimit = tool(spec.host, "prlimit", "install util-linux");
    const limits = [
      `--as=${spec.limits.memoryBytes}`,
      `--cpu=${cpuSeconds(spec.limits)}`,
      `--fsize=${SCRATCH_BYTES}`,
      "--core=0",
    ];
    return {
      cmd: prlimit,
      args: [...limits, "--", ...spec.inner],
      env: spec.env,
      cwd: spec.hostDir,
    };
  }
  const sh = tool(spec.host, "sh", "install a POSIX shell");
  const script = `ulimit -c 0; ulimit -f ${Math.floor(SCRATCH_BYTES / 512)}; ` +
    `ulimit -t ${cpuSeconds(spec.limits)}; exec "$@"`;
  return { cmd: sh, args: ["-c", script, "sh", ...spec.inner], env: spec.env, cwd: spec.hostDir };
}
