/** Shared pieces of the sandbox tests: HumanEval problems, the sandboxes under test, host checks. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { probeSandbox, type SandboxKind } from "../../lib/sandbox/mod.ts";
import { DATA_DIR } from "../helpers/mod.ts";

/** One published HumanEval problem, with the fields as in the file. */
export interface HumanEvalLine {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

/** All 164 problems of data/datasets/humaneval/HumanEval.jsonl.gz, read in place. */
export async function loadHumanEvalLines(): Promise<HumanEvalLine[]> {
  const gz = await Deno.readFile(join(DATA_DIR, "humaneval", "HumanEval.jsonl.gz"));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  return text.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
}

/** The sandbox kinds this platform must provide, for tests that run every one of them. */
export function platformKinds(): SandboxKind[] {
  if (Deno.build.os === "linux") return ["bwrap", "unshare"];
  if (Deno.build.os === "darwin") return ["sandbox-exec"];
  return [];
}

const CI_HINT: Record<SandboxKind, string> = {
  "bwrap": "CI must install bubblewrap: apt-get install -y bubblewrap",
  "unshare": "CI must provide util-linux (unshare, prlimit, setpriv, pivot_root) and mount",
  "sandbox-exec": "sandbox-exec is built into macOS at /usr/bin/sandbox-exec",
};

/** Fails with what to install when `kind` does not work on this machine. */
export async function requireSandbox(kind: SandboxKind): Promise<void> {
  const probe = await probeSandbox(kind);
  assert.equal(
    probe,
    true,
    `The ${kind} sandbox does not work on this machine (${probe}): ${CI_HINT[kind]}`,
  );
}

/**
 * Ids of live (not zombie) host processes (Linux /proc) whose real uid is `uid`, after giving
 * dying ones up to `settleMs` to finish exiting.
 */
export async function processesOfUid(uid: number, settleMs = 2000): Promise<number[]> {
  const deadline = performance.now() + settleMs;
  while (true) {
    const found = await liveProcessesOfUid(uid);
    if (found.length === 0 || performance.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function liveProcessesOfUid(uid: number): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const status = await Deno.readTextFile(`/proc/${entry.name}/status`);
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      const zombie = /^State:\s+Z/m.test(status);
      if (!zombie && real !== undefined && Number(real) === uid) found.push(Number(entry.name));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Ids of host processes whose command line contains `token`. */
export async function processesWithToken(token: string): Promise<number[]> {
  if (Deno.build.os !== "linux") {
    const output = await new Deno.Command("/bin/ps", { args: ["-axo", "pid=,command="] }).output();
    return new TextDecoder().decode(output.stdout).split("\n")
      .filter((line) => line.includes(token)).map((line) => Number.parseInt(line, 10));
  }
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(token)) found.push(Number(entry.name));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Whether a path exists on the host. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Names inside a folder. */
export async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** The host still starts processes promptly: `true` runs and exits 0 within two seconds. */
export async function assertHostResponsive(): Promise<void> {
  const start = performance.now();
  const status = await new Deno.Command("true", { stdout: "null", stderr: "null" }).output();
  const elapsed = performance.now() - start;
  assert.equal(status.code, 0);
  assert.ok(elapsed < 2000, `starting 'true' on the host took ${elapsed.toFixed(0)} ms`);
}
