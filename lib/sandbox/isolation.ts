/** What each sandbox kind really isolates, in words for messages and records. @module */
import type { SandboxKind } from "./_types.ts";

const LINUX_COMMON = "new pid, network (none), IPC and UTS namespaces; a root of read-only " +
  "system folders with only the loader's and time zone files of /etc (no passwd, hosts); " +
  "writable 64 MiB tmpfs scratch only; a scrubbed environment and no inherited descriptors; a " +
  "seccomp filter denying new namespaces (so no user namespace), mount, ptrace, keyrings, bpf, " +
  "perf events, io_uring and module loading; an unprivileged uid (when run as root) with no " +
  "capabilities and no_new_privs; limits on memory, processes, CPU time, file size and wall " +
  "clock";

/** The isolation a program gets under `kind` (`none`: what little remains without a sandbox). */
export function isolationOf(kind: SandboxKind | "none"): string {
  switch (kind) {
    case "bwrap":
      return `bubblewrap: ${LINUX_COMMON}`;
    case "unshare":
      return `util-linux unshare: ${LINUX_COMMON}`;
    case "sandbox-exec":
      return "macOS sandbox-exec: no network, writes only in a fresh work folder, the home " +
        "folder unreadable, no new processes and no exec beyond Python, no signals to other " +
        "processes; limits on CPU time and file size, a memory watch and a wall-clock timeout";
    case "none":
      return "NO isolation: the program runs as you, can read and write your files, use the " +
        "network and start processes; only limits on memory, CPU time, file size and the " +
        "wall-clock timeout apply";
  }
}
