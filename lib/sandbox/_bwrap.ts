/** The bubblewrap command line (Linux). @module */
import {
  ancestors,
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

/** Mounts: system folders read-only, the Python installation, fresh /proc, /dev and scratch. */
function mountArgs(spec: LaunchSpec): string[] {
  const args: string[] = [];
  for (const entry of spec.host.systemEntries) {
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

/**
 * `bwrap` with new pid, network, IPC, UTS (and cgroup) namespaces, a root built from read-only
 * binds, writable tmpfs scratch only, a scrubbed environment, and `prlimit` for memory and
 * processes. As root, `setpriv` switches the program to an unprivileged `sandboxUid` (root is
 * exempt from RLIMIT_NPROC); otherwise bwrap adds a user namespace.
 */
export function bwrapLaunch(spec: LaunchSpec): Launch {
  const bwrap = tool(spec.host, "bwrap", INSTALL_HINT);
  const prlimit = tool(spec.host, "prlimit", "install util-linux");
  const asRoot = runsAsRoot(spec);
  const namespaces = [
    ...(asRoot ? [] : ["--unshare-user"]),
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
  return {
    cmd: bwrap,
    args: [
      ...namespaces,
      "--die-with-parent",
      "--new-session",
      "--clearenv",
      ...env,
      ...mountArgs(spec),
      "--chdir",
      LINUX_WORK_DIR,
      ...drop,
      prlimit,
      ...prlimitArgs(spec.limits),
      ...spec.inner,
    ],
    env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" },
    cwd: spec.hostDir,
  };
}
