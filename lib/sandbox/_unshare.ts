/** The util-linux `unshare` command line and its mount script (Linux, without bubblewrap). @module */
import {
  etcEntries,
  extraReadDirs,
  type Launch,
  LaunchError,
  type LaunchSpec,
  LINUX_WORK_DIR,
  prlimitArgs,
  PROGRAM_FILE,
  runsAsRoot,
  SCRATCH_BYTES,
  setprivArgs,
  tool,
} from "./_launch.ts";

/** Name of the empty host folder the new root is mounted on, inside the host temp folder. */
export const ROOT_MOUNT_DIR = "root";

const DEVICES = ["null", "zero", "full", "random", "urandom"];

/** Quotes a word for POSIX sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Rejects paths that /proc/self/mountinfo would escape (the script matches mount points). */
function plainPath(path: string): string {
  if (/[\s\\]/.test(path)) {
    throw new LaunchError(
      `Cannot build the unshare sandbox: path contains whitespace or a backslash: '${path}'`,
    );
  }
  return path;
}

/**
 * The setup script: a tmpfs root holding read-only binds of the system folders, the loader's and
 * time zone files of /etc, and the Python installation, only device nodes null/zero/full/random/urandom, a fresh /proc for the new pid
 * namespace, tmpfs scratch at /tmp and the work folder, then `pivot_root` into it and unmount
 * the old root, so no host path stays reachable. Arguments after the script are the command.
 */
export function unshareScript(spec: LaunchSpec): string {
  const q = (path: string) => shellQuote(plainPath(path));
  const mount = q(tool(spec.host, "mount", "install the mount package"));
  const umount = q(tool(spec.host, "umount", "install the mount package"));
  const pivot = q(tool(spec.host, "pivot_root", "install util-linux"));
  const root = q(`${spec.hostDir}/${ROOT_MOUNT_DIR}`);
  const size = SCRATCH_BYTES;
  const lines = [
    "set -eu",
    "umask 022",
    `R=${root}`,
    `${mount} -t tmpfs -o mode=0755,size=1m edge-sandbox-root "$R"`,
  ];
  const binds = [
    ...spec.host.systemEntries.filter((entry) => entry.symlink === null).map((e) => e.path),
    ...extraReadDirs(spec),
  ];
  for (const entry of spec.host.systemEntries) {
    if (entry.symlink !== null) lines.push(`ln -s ${q(entry.symlink)} "$R"${q(entry.path)}`);
  }
  for (const dir of binds) {
    lines.push(`mkdir -p "$R"${q(dir)}`, `${mount} --rbind ${q(dir)} "$R"${q(dir)}`);
  }
  // Of /etc, only the loader's and time zone entries (no passwd, hosts, ...).
  const etc = etcEntries(spec);
  if (etc.length) lines.push(`mkdir -p "$R/etc"`);
  for (const entry of etc) {
    const at = `"$R"${q(entry.path)}`;
    if (entry.kind === "symlink") lines.push(`ln -s ${q(entry.symlink!)} ${at}`);
    else if (entry.kind === "dir") {
      lines.push(`mkdir -p ${at}`, `${mount} --rbind ${q(entry.path)} ${at}`);
    } else lines.push(`: > ${at}`, `${mount} --bind ${q(entry.path)} ${at}`);
  }
  const work = q(LINUX_WORK_DIR);
  lines.push(
    `mkdir "$R/proc" "$R/dev" "$R/tmp" "$R"${work} "$R/.old"`,
    `for n in ${DEVICES.join(" ")}; do if [ -e "/dev/$n" ]; then : > "$R/dev/$n"; fi; done`,
    // Every mount at or below the new root becomes read-only, submounts of the binds included.
    `ms=$(while read -r _ _ _ _ mp _; do case "$mp" in "$R"|"$R"/*) echo "$mp";; esac; ` +
      `done < /proc/self/mountinfo)`,
    `for m in $ms; do ${mount} -o remount,bind,ro "$m"; done`,
    `for n in ${DEVICES.join(" ")}; do if [ -e "$R/dev/$n" ]; then ` +
      `${mount} --bind "/dev/$n" "$R/dev/$n"; fi; done`,
    `${mount} -t proc -o nosuid,nodev,noexec proc "$R/proc"`,
    `${mount} -t tmpfs -o mode=1777,size=${size},nosuid,nodev edge-sandbox-tmp "$R/tmp"`,
    `${mount} -t tmpfs -o mode=1777,size=${size},nosuid,nodev edge-sandbox-work "$R"${work}`,
    `: > "$R"${work}/${PROGRAM_FILE}`,
    `${mount} --bind ${q(`${spec.hostDir}/${PROGRAM_FILE}`)} "$R"${work}/${PROGRAM_FILE}`,
    `${mount} -o remount,bind,ro "$R"${work}/${PROGRAM_FILE}`,
    `cd "$R"`,
    `${pivot} . .old`,
    `${umount} -l /.old`,
    `cd ${work}`,
    `exec "$@"`,
  );
  return lines.join("\n");
}

/**
 * `unshare` with new mount, pid, network, IPC and UTS namespaces (and a user namespace when not
 * root) running {@linkcode unshareScript}, then `setpriv` (drop every capability; from root,
 * switch to `sandboxUid`) and `prlimit` for memory and processes.
 */
export function unshareLaunch(spec: LaunchSpec): Launch {
  const unshare = tool(spec.host, "unshare", "install util-linux");
  const sh = tool(spec.host, "sh", "install a POSIX shell");
  const user = runsAsRoot(spec) ? [] : ["--user", "--map-root-user"];
  return {
    cmd: unshare,
    args: [
      ...user,
      ...["--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child"],
      ...["--propagation", "private", "--"],
      ...[sh, "-c", unshareScript(spec), "sh"],
      tool(spec.host, "setpriv", "install util-linux"),
      ...setprivArgs(spec),
      tool(spec.host, "prlimit", "install util-linux"),
      ...prlimitArgs(spec.limits),
      ...spec.inner,
    ],
    env: { ...spec.env, PATH: "/usr/bin:/bin" },
    cwd: spec.hostDir,
  };
}
