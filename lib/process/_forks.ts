/** Deno processes that npm code forks (`node:child_process.fork`), given a lifeline. @module */
import { join } from "node:path";
import { userCacheDir } from "../download/mod.ts";
import { setprivPath } from "./_lifeline.ts";

let active = 0;
let original: (() => string) | null = null;
let tempDir: string | null = null;
let setup: Promise<void> | null = null;

function quote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function writeExecutable(path: string, script: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, script, { mode: 0o755 });
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, path);
}

/**
 * The wrapper script, kept in the user cache (`<cache>/bin/deno-lifeline-<hash>`, named by its
 * content, written atomically, shared by every run and never removed, so a kill -9 leaves no
 * file behind); in a fresh temporary folder when the cache cannot be written.
 */
async function wrapper(setpriv: string, deno: string): Promise<string> {
  const script = `#!/bin/sh\nexec ${quote(setpriv)} --pdeathsig SIGKILL -- ${quote(deno)} "$@"\n`;
  const name = `deno-lifeline-${(await sha256Hex(script)).slice(0, 16)}`;
  const dir = join(userCacheDir(), "bin");
  const path = join(dir, name);
  try {
    const info = await Deno.stat(path);
    if (
      info.isFile && ((info.mode ?? 0) & 0o111) !== 0 &&
      (await Deno.readTextFile(path)) === script
    ) return path;
  } catch {
    // Not written yet.
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    await writeExecutable(path, script);
    return path;
  } catch {
    tempDir = await Deno.makeTempDir({ prefix: "edge-bench-fork-" });
    const temp = join(tempDir, name);
    await writeExecutable(temp, script);
    return temp;
  }
}

/**
 * Run `fn` while `node:child_process.fork()` starts Deno through a wrapper that sets a
 * parent-death signal (`setpriv --pdeathsig SIGKILL`), so a process forked meanwhile ends when
 * this one does, kill -9 included. Deno's fork spawns `Deno.execPath()`, so that is what points at
 * the wrapper while `fn` runs; nested and concurrent calls share one wrapper. This is for
 * node-llama-cpp's binding test (`testBindingBinary.js`, forked by `getLlama()` on Linux, which
 * otherwise stays alive with parent 1 when the tool is killed during it). Where there is no
 * `setpriv` (macOS, where node-llama-cpp forks no test) `fn` simply runs.
 */
export async function withGuardedForks<T>(fn: () => Promise<T>): Promise<T> {
  const setpriv = setprivPath();
  if (setpriv === null) return await fn();
  if (active++ === 0) {
    setup = wrapper(setpriv, Deno.execPath()).then((path) => {
      original = Deno.execPath;
      (Deno as { execPath: () => string }).execPath = () => path;
    });
  }
  try {
    await setup;
    return await fn();
  } finally {
    if (--active === 0) {
      if (original) (Deno as { execPath: () => string }).execPath = original;
      original = null;
      setup = null;
      const dir = tempDir;
      tempDir = null;
      if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
