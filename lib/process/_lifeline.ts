/** Child processes that notice the death of this process and end with it. @module */

/**
 * How a child learns that this process died: `pdeathsig` (Linux: util-linux `setpriv
 * --pdeathsig SIGKILL` sets the parent-death signal, then execs the command, which keeps its pid)
 * or `pipe` (anywhere with a POSIX sh: a small sh wrapper watches a pipe from this process and
 * kills the command when the pipe reaches end of file, which the kernel causes when this process
 * dies, kill -9 included), or `none` where neither exists (Windows): the child is not guarded.
 */
export type Lifeline = "pdeathsig" | "pipe" | "none";

/** Folders searched for `setpriv` and `sh` (never PATH). */
const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

function findTool(name: string): string | null {
  for (const dir of TOOL_DIRS) {
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return `${dir}/${name}`;
    } catch {
      // Not here.
    }
  }
  return null;
}

let cachedSetpriv: string | null | undefined;

/** Absolute path of util-linux `setpriv` on Linux, or null. */
export function setprivPath(): string | null {
  if (Deno.build.os !== "linux") return null;
  if (cachedSetpriv === undefined) cachedSetpriv = findTool("setpriv");
  return cachedSetpriv;
}

let cachedSh: string | null | undefined;

function shPath(): string | null {
  if (cachedSh === undefined) cachedSh = Deno.build.os === "windows" ? null : findTool("sh");
  return cachedSh;
}

/**
 * The lifeline this machine supports: `pdeathsig` on Linux with `setpriv`, else `pipe` where a
 * POSIX sh exists, else `none`.
 */
export function defaultLifeline(): Lifeline {
  return setprivPath() !== null ? "pdeathsig" : shPath() !== null ? "pipe" : "none";
}

/**
 * The `pipe` wrapper, run as `sh -c WATCH sh COMMAND ARGS...` with stdin a pipe from this process
 * that is never written: the command runs with stdin /dev/null; TERM, INT and HUP are passed on
 * to it; a watcher kills it (its whole process group when the wrapper leads one) at end of file
 * on the pipe; the wrapper exits as the command did (re-raising its signal) and prints nothing
 * of its own.
 */
export const WATCH_SCRIPT: string = [
  // fd 3: the lifeline; fd 4: the real stderr, for the command only (the shell's own job
  // messages, such as "Killed", go to /dev/null).
  "exec 3<&0 </dev/null 4>&2 2>/dev/null",
  '"$@" 2>&4 3<&- 4>&- &',
  "c=$!",
  `trap 'kill -TERM "$c" 2>/dev/null' TERM`,
  `trap 'kill -INT "$c" 2>/dev/null' INT`,
  `trap 'kill -HUP "$c" 2>/dev/null' HUP`,
  "(",
  "  trap - TERM INT HUP",
  "  while read -r _ <&3; do :; done",
  // `kill -9 -PGID`: the one group form dash, bash and zsh all accept.
  '  kill -9 -"$$" 2>/dev/null || kill -9 "$c" 2>/dev/null',
  ") &",
  "w=$!",
  "exec 3<&-",
  "while :; do",
  '  wait "$c"',
  "  s=$?",
  '  kill -0 "$c" 2>/dev/null || break',
  "done",
  'kill "$w" 2>/dev/null',
  'if [ "$s" -gt 128 ]; then trap - TERM INT HUP; kill -s "$(kill -l "$s")" "$$"; fi',
  'exit "$s"',
].join("\n");

/** Options of {@linkcode guardCommand} and {@linkcode spawnGuarded}. */
export interface LifelineOptions {
  /** Which lifeline to use. @default defaultLifeline() */
  lifeline?: Lifeline;
}

/** A command line wrapped with a lifeline. */
export interface GuardedCommand {
  cmd: string;
  args: string[];
  lifeline: Lifeline;
}

/**
 * Wrap a command so that it is killed when this process dies: `setpriv --pdeathsig SIGKILL --
 * cmd args` for `pdeathsig`, `sh -c WATCH_SCRIPT sh cmd args` for `pipe` (spawn it with stdin
 * "piped" and keep the pipe open: {@linkcode spawnGuarded} does both), unchanged for `none`.
 * @throws {Error} when the lifeline's helper program is missing.
 */
export function guardCommand(
  cmd: string,
  args: string[],
  options: LifelineOptions = {},
): GuardedCommand {
  const lifeline = options.lifeline ?? defaultLifeline();
  if (lifeline === "pdeathsig") {
    const setpriv = setprivPath();
    if (setpriv === null) {
      throw new Error("Cannot guard a child process with pdeathsig: 'setpriv' was not found");
    }
    return { cmd: setpriv, args: ["--pdeathsig", "SIGKILL", "--", cmd, ...args], lifeline };
  }
  if (lifeline === "none") return { cmd, args, lifeline };
  const sh = shPath();
  if (sh === null) throw new Error("Cannot guard a child process: no POSIX 'sh' was found");
  return { cmd: sh, args: ["-c", WATCH_SCRIPT, "sh", cmd, ...args], lifeline };
}

/**
 * Spawn a command that ends when this process ends, however it ends (kill -9 included). The
 * command's stdin is /dev/null (the `pipe` lifeline holds the real stdin); every other option is
 * passed to `Deno.Command`. With `pipe`, the pipe is also closed when the wrapper exits, so a
 * command whose wrapper was killed does not outlive it either.
 * @throws {RangeError} when `options.stdin` is anything but "null".
 */
export function spawnGuarded(
  cmd: string,
  options: Deno.CommandOptions & LifelineOptions = {},
): Deno.ChildProcess {
  const { lifeline: wanted, args = [], ...rest } = options;
  if (rest.stdin !== undefined && rest.stdin !== "null") {
    throw new RangeError(
      `spawnGuarded() runs the command with stdin /dev/null: current value of stdin is ${
        JSON.stringify(rest.stdin)
      }`,
    );
  }
  const guarded = guardCommand(cmd, args, { lifeline: wanted });
  const child = new Deno.Command(guarded.cmd, {
    ...rest,
    args: guarded.args,
    stdin: guarded.lifeline === "pipe" ? "piped" : "null",
  }).spawn();
  if (guarded.lifeline === "pipe") {
    const writer = child.stdin.getWriter();
    child.status.finally(() => writer.close().catch(() => {}));
  }
  return child;
}
