/**
 * Lifelines: a child started with one ends when its parent is killed with kill -9; without one it
 * survives (the control that shows each test can fail). Parents are real Deno processes.
 */
import assert from "node:assert/strict";
import { spawnGuarded } from "../../lib/process/mod.ts";
import { endsWithin, isAlive, killHard, startParent } from "./_helpers.ts";

const LINUX = Deno.build.os === "linux";

/** A parent that starts `sleep 300` (guarded with `lifeline`, or not) and prints its pid. */
function sleeperParent(lifeline: "pdeathsig" | "pipe" | null): string {
  return lifeline === null
    ? `const c = new Deno.Command("sleep", { args: ["300"], stdin: "null" }).spawn();
console.log(c.pid);
await c.status;`
    : `import { spawnGuarded } from "@root/lib/process/mod.ts";
const c = spawnGuarded("sleep", { args: ["300"], lifeline: ${JSON.stringify(lifeline)} });
// The pipe lifeline's wrapper is c; the command is its child: report that one.
await new Promise((r) => setTimeout(r, 200));
const kids = ${JSON.stringify(lifeline)} === "pipe"
  ? (await new Deno.Command("pgrep", { args: ["-P", String(c.pid), "sleep"], stdout: "piped" })
    .output()).stdout
  : null;
console.log(kids ? new TextDecoder().decode(kids).trim().split("\\n")[0] : c.pid);
await c.status;`;
}

async function killParentAndWatch(lifeline: "pdeathsig" | "pipe" | null): Promise<boolean> {
  const parent = await startParent(sleeperParent(lifeline));
  let sleeper = 0;
  try {
    sleeper = Number(await parent.firstLine);
    assert.ok(sleeper > 0, "the parent did not report its child");
    assert.equal(await isAlive(sleeper), true);
    Deno.kill(parent.pid, "SIGKILL");
    await parent.child.status;
    return await endsWithin(sleeper, 3000);
  } finally {
    if (sleeper) killHard(sleeper);
    await parent.cleanup();
  }
}

Deno.test({
  name:
    "spawnGuarded() with pdeathsig: the child ends with a kill -9 of its parent; unguarded it lives",
  ignore: !LINUX,
  fn: async () => {
    assert.equal(await killParentAndWatch("pdeathsig"), true, "the guarded child survived");
    assert.equal(await killParentAndWatch(null), false, "control: the unguarded child died too");
  },
});

Deno.test("spawnGuarded() with the pipe lifeline: the child ends with a kill -9 of its parent", async () => {
  assert.equal(await killParentAndWatch("pipe"), true, "the guarded child survived");
});

Deno.test("the pipe lifeline passes exit codes, output, signals and SIGTERM through", async () => {
  const code = await spawnGuarded("sh", { args: ["-c", "exit 7"], lifeline: "pipe" }).status;
  assert.equal(code.code, 7);
  const printed = spawnGuarded("sh", {
    args: ["-c", "echo out; echo err >&2; kill -KILL $$"],
    lifeline: "pipe",
    stdout: "piped",
    stderr: "piped",
  });
  const [out, err, killed] = await Promise.all([
    new Response(printed.stdout).text(),
    new Response(printed.stderr).text(),
    printed.status,
  ]);
  assert.deepEqual([out, err, killed.signal], ["out\n", "err\n", "SIGKILL"]);
  const signalled = await spawnGuarded("sh", {
    args: ["-c", "kill -TERM $$; sleep 5"],
    lifeline: "pipe",
  }).status;
  assert.equal(signalled.signal, "SIGTERM");
  const long = spawnGuarded("sleep", { args: ["30"], lifeline: "pipe", stdout: "null" });
  await new Promise((r) => setTimeout(r, 200));
  const started = performance.now();
  long.kill("SIGTERM");
  const status = await long.status;
  assert.equal(status.signal, "SIGTERM");
  assert.ok(performance.now() - started < 3000, "SIGTERM did not reach the command");
});

Deno.test("spawnGuarded() refuses a stdin other than /dev/null", () => {
  assert.throws(() => spawnGuarded("true", { stdin: "piped" }), {
    name: "RangeError",
    message:
      'spawnGuarded() runs the command with stdin /dev/null: current value of stdin is "piped"',
  });
});

/** A parent that forks a Deno child which ignores the loss of its parent (like a hung test). */
function forkingParent(guarded: boolean): string {
  return `import { fork } from "node:child_process";
import { withGuardedForks } from "@root/lib/process/mod.ts";
const dir = await Deno.makeTempDir();
await Deno.writeTextFile(dir + "/child.mjs",
  "process.on('disconnect', () => {}); setInterval(() => {}, 1000); process.send({ pid: process.pid });");
const start = () => fork(dir + "/child.mjs", [], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
const child = ${guarded} ? await withGuardedForks(() => Promise.resolve(start())) : start();
child.on("message", (m) => console.log(m.pid));
await new Promise(() => {});`;
}

async function killForkingParent(guarded: boolean): Promise<boolean> {
  const parent = await startParent(forkingParent(guarded));
  let forked = 0;
  try {
    forked = Number(await parent.firstLine);
    assert.ok(forked > 0, "the forked child did not report");
    Deno.kill(parent.pid, "SIGKILL");
    await parent.child.status;
    return await endsWithin(forked, 3000);
  } finally {
    if (forked) killHard(forked);
    await parent.cleanup();
  }
}

Deno.test({
  name:
    "withGuardedForks(): a forked Deno child that ignores its parent's death ends with a kill -9",
  ignore: !LINUX,
  fn: async () => {
    assert.equal(await killForkingParent(true), true, "the guarded fork survived");
    assert.equal(await killForkingParent(false), false, "control: the unguarded fork died too");
  },
});

Deno.test("withGuardedForks() gives Deno.execPath back afterwards; its wrapper lives in the user cache", async () => {
  const { withGuardedForks } = await import("../../lib/process/mod.ts");
  const { userCacheDir } = await import("../../lib/download/mod.ts");
  const before = Deno.execPath();
  const [during, nested] = await withGuardedForks(async () => [
    Deno.execPath(),
    await withGuardedForks(() => Promise.resolve(Deno.execPath())),
  ]);
  assert.equal(Deno.execPath(), before);
  if (LINUX) {
    assert.notEqual(during, before);
    assert.equal(nested, during, "nested calls share the wrapper");
    assert.ok(during.startsWith(`${userCacheDir()}/bin/deno-lifeline-`), during);
    const script = await Deno.readTextFile(during);
    assert.ok(script.includes("--pdeathsig SIGKILL --") && script.includes(before), script);
  }
});
