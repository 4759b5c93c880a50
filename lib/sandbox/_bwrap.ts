/** The bubblewrap command line (Linux). @module */
import {
  ancestors,
  etcEntries,
  extraReadDirs,
  type Launch,
  type LaunchSpec,
  LINUX_WORK_DIR,
  prlimitArgs,
  PROGRAM_FILE,
  runsAsRoot,
  SCRATCH_BYTES,
  setprivArgs,
  tool,
} from "./_launch.ts";

const INSTALL_HINT = "install bubblewrap (apt-get install bubblewrap)";

/**
 * Mounts: system folders read-only, of /etc only the loader's and time zone files, the Python
 * installation, fresh /proc, /dev and scratch.
 */
function mountArgs(spec: LaunchSpec): string[] {
  const args: string[] = [];
  for (const entry of spec.host.systemEntries) {
    args.push(
      ...(entry.symlink === null
        ? ["--ro-bind", entry.path, entry.path]
        : ["--symlink", entry.symlink, entry.path]),
    );
  }
  const etc = etcEntries(spec);
  if (etc.length) args.push("--perms", "0755", "--dir", "/etc");
  for (const entry of etc) {
    args.push(
      ...(entry.symlink === null
        ? ["--ro-bind", entry.path, entry.path]
        : ["--symlink", entry.symlink, entry.path]),
    );
  }
  const extra = extraReadDirs(spec);
  const made = new Set<string>();
  for (const dir of extra) {
    // bwrap copies the mode of a parent it creates (0700 for /root); make them traversable.
    for (const parent of ancestors(dir)) {
      if (made.has(parent) || extra.includes(parent)) continue;
      made.add(parent);
      args.push("--perms", "0755", "--dir", parent);
    }
    args.push("--ro-bind", dir, dir);
  }
  const scratch = String(SCRATCH_BYTES);
  args.push(
    ...["--proc", "/proc", "--dev", "/dev"],
    ...["--perms", "1777", "--size", scratch, "--tmpfs", "/tmp"],
    ...["--perms", "1777", "--size", scratch, "--tmpfs", LINUX_WORK_DIR],
    ...["--ro-bind", `${spec.hostDir}/${PROGRAM_FILE}`, `${LINUX_WORK_DIR}/${PROGRAM_FILE}`],
    // In a user namespace the root and /dev tmpfs belong to the user: make them read-only too,
    // so the scratch tmpfs (bounded in size) are the only writable places.
    ...["--remount-ro", "/dev", "--remount-ro", "/"],
  );
  return args;
}

/** bubblewrap 0.8.0 added `--disable-userns`. */
function hasDisableUserns(version: number[] | null | undefined): boolean {
  if (!version) return false;
  const [major = 0, minor = 0] = version;
  return major > 0 || minor >= 8;
}

/**
 * `bwrap` with new pid, network, IPC, UTS (and cgroup) namespaces, a root built from read-only
 * binds, writable tmpfs scratch only, a scrubbed environment, the seccomp filter (`--seccomp`,
 * read from the filter file on fd 3: no new namespaces, hence no user namespace, and no other
 * dangerous syscall), and `prlimit` for memory and processes. As root, `setpriv` switches the
 * program to an unprivileged `sandboxUid` (root is exempt from RLIMIT_NPROC); otherwise bwrap
 * adds a user namespace, in which bubblewrap >= 0.8 also forbids nested ones (`--disable-userns`).
 */
export function bwrapLaunch(spec: LaunchSpec): Launch {
  const bwrap = tool(spec.host, "bwrap", INSTALL_HINT);
  const prlimit = tool(spec.host, "prlimit", "install util-linux");
  const asRoot = runsAsRoot(spec);
  const namespaces = [
    ...(asRoot ? [] : [
      "--unshare-user",
      ...(hasDisableUserns(spec.host.bwrapVersion) ? ["--disable-userns"] : []),
    ]),
    ...["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"],
    "--unshare-cgroup-try",
  ];
  const env = Object.entries(spec.env).flatMap(([key, value]) => ["--setenv", key, value]);
  const drop = asRoot
    ? [
      ...["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"],
      "--",
      tool(spec.host, "setpriv", "install util-linux"),
      ...setprivArgs(spec),
    ]
    : ["--"];
  const args = [
    ...namespaces,
    "--die-with-parent",
    "--new-session",
    ...(spec.seccompFile ? ["--seccomp", "3"] : []),
    "--clearenv",
    ...env,
    ...mountArgs(spec),
    "--chdir",
    LINUX_WORK_DIR,
    ...drop,
    prlimit,
    ...prlimitArgs(spec.limits),
    ...spec.inner,
  ];
  const pathEnv = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" };
  if (!spec.seccompFile) return { cmd: bwrap, args, env: pathEnv, cwd: spec.hostDir };
  // bwrap reads the filter from an inherited descriptor: sh opens the file as fd 3, then execs.
  return {
    cmd: tool(spec.host, "sh", "install a POSIX shell"),
    args: ["-c", SECCOMP_FD_SCRIPT, "sh", spec.seccompFile, bwrap, ...args],
    env: pathEnv,
    cwd: spec.hostDir,
  };
}

/** `sh -c SCRIPT sh FILE CMD ARGS...`: exec CMD with FILE open for reading as fd 3. */
export const SECCOMP_FD_SCRIPT = 'f=$1; shift; exec "$@" 3<"$f"';
