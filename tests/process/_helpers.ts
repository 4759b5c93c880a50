/** Shared pieces of the lifeline tests: parents to kill -9, and whether a process still lives. */
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";

/** True while `pid` exists and is neither a zombie nor dead (`ps` state Z or X). */
export async function isAlive(pid: number): Promise<boolean> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  const state = new TextDecoder().decode(out.stdout).trim();
  return state !== "" && !/^[ZX]/.test(state);
}

/** Waits up to `ms` for `pid` to end; true when it did. */
export async function endsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await isAlive(pid));
}

/** SIGKILL a process, ignoring one that is already gone. */
export function killHard(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // Gone.
  }
}

/** Pids of processes whose parent is `ppid` and whose command line contains `token` (Linux). */
export async function childrenWith(ppid: number, token: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const status = await Deno.readTextFile(`/proc/${entry.name}/status`);
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== ppid) continue;
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(token)) found.push(Number(entry.name));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** The descendants of `root` whose command line contains `token`. */
export async function descendantsWith(root: number, token: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await descendantsOf(root)) {
    try {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
      if (cmdline.includes(token)) found.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Polls `find` until it returns a pid (or `ms` pass); null on timeout. */
export async function waitFor(
  find: () => Promise<number[]>,
  ms: number,
  intervalMs = 20,
): Promise<number | null> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const [pid] = await find();
    if (pid !== undefined) return pid;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return null;
}

/** A Deno parent process running `code` (a module in a temp file that may import lib/). */
export interface Parent {
  child: Deno.ChildProcess;
  pid: number;
  /** The first line the parent printed. */
  firstLine: Promise<string>;
  cleanup(): Promise<void>;
}

/** Start `code` as a Deno script; `imports` are paths under the project root to import as names. */
export async function startParent(code: string): Promise<Parent> {
  const dir = await Deno.makeTempDir({ prefix: "edge-lifeline-" });
  const file = join(dir, "parent.ts");
  await Deno.writeTextFile(file, code.replaceAll("@root/", `${ROOT}`));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", file],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const firstLine = (async () => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    return text.split("\n")[0];
  })();
  return {
    child,
    pid: child.pid,
    firstLine,
    async cleanup() {
      killHard(child.pid);
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Every live descendant of `root` (Linux /proc), children before grandchildren. */
export async function descendantsOf(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const status = await Deno.readTextFile(`/proc/${entry.name}/status`);
      if (/^State:\s+Z/m.test(status)) continue;
      parents.set(Number(entry.name), Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]));
    } catch {
      // Exited while we looked.
    }
  }
  const out: number[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** Of `pids`, those still alive after up to `ms`. */
export async function survivors(pids: number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  let alive = pids;
  do {
    const checks = await Promise.all(alive.map(isAlive));
    alive = alive.filter((_, i) => checks[i]);
    if (!alive.length) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (performance.now() < deadline);
  return alive;
}

/** A readable description of processes, for failure messages. */
export async function describe(pids: number[]): Promise<string> {
  const lines = await Promise.all(pids.map(async (pid) => {
    try {
      const cmd = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).replaceAll("\0", " ");
      return `${pid}: ${cmd.slice(0, 160)}`;
    } catch {
      return `${pid}: (gone)`;
    }
  }));
  return lines.join("\n");
}
