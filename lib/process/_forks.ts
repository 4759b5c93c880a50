/** Deno processes that npm code forks (`node:child_process.fork`), given a lifeline. @module */
import { setprivPath } from "./_lifeline.ts";

let active = 0;
let original: (() => string) | null = null;
let wrapperDir: string | null = null;

function quote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
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
    const real = Deno.execPath();
    wrapperDir = await Deno.makeTempDir({ prefix: "edge-bench-fork-" });
    const wrapper = `${wrapperDir}/deno`;
    await Deno.writeTextFile(
      wrapper,
      `#!/bin/sh\nexec ${quote(setpriv)} --pdeathsig SIGKILL -- ${quote(real)} "$@"\n`,
      { mode: 0o755 },
    );
    await Deno.chmod(wrapper, 0o755);
    original = Deno.execPath;
    (Deno as { execPath: () => string }).execPath = () => wrapper;
  }
  try {
    return await fn();
  } finally {
    if (--active === 0) {
      if (original) (Deno as { execPath: () => string }).execPath = original;
      original = null;
      const dir = wrapperDir;
      wrapperDir = null;
      if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
