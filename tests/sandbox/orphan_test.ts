/**
 * A kill -9 of the process running a sandboxed program leaves none of the program's processes
 * behind, under every isolation of this platform and without one (`none`, --unsafe-no-sandbox).
 * The program starts a marked `sleep` and sleeps itself, so nothing would end on its own.
 */
import assert from "node:assert/strict";
import { platformKinds, processesWithToken, requireSandbox } from "./_helpers.ts";
import { descendantsOf, describe, killHard, startParent, survivors } from "../process/_helpers.ts";
import type { SandboxKind } from "../../lib/sandbox/mod.ts";

async function gone(token: string, ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  let left = await processesWithToken(token);
  while (left.length && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await processesWithToken(token);
  }
  return left;
}

for (const kind of [...platformKinds(), "none"] as (SandboxKind | "none")[]) {
  Deno.test(`${kind}: a kill -9 of the tool running a sandboxed program leaves no process of it`, async () => {
    if (kind !== "none") await requireSandbox(kind);
    const token = `edgeorphan${crypto.randomUUID().replaceAll("-", "")}`;
    const program = [
      "import subprocess, sys, time",
      `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", ${
        JSON.stringify(token)
      }])`,
      "time.sleep(120)",
    ].join("\n");
    const parent = await startParent(`import { runPythonSandboxed } from "@root/lib/sandbox/mod.ts";
console.log("running");
await runPythonSandboxed(${JSON.stringify(program)}, {
  sandbox: ${JSON.stringify(kind)},
  allowUnsafe: true,
  limits: { timeoutMs: 120000 },
});`);
    let tree: number[] = [];
    try {
      assert.equal(await parent.firstLine, "running");
      const deadline = performance.now() + 20_000;
      while ((await processesWithToken(token)).length === 0) {
        assert.ok(performance.now() < deadline, "the sandboxed program never started its sleep");
        await new Promise((r) => setTimeout(r, 50));
      }
      // Everything the tool started: lifeline, sandbox tools, interpreter, the program's child.
      tree = await descendantsOf(parent.pid);
      Deno.kill(parent.pid, "SIGKILL");
      await parent.child.status;
      assert.deepEqual(await gone(token, 5000), [], "a process of the program outlived the tool");
      const left = await survivors(tree, 5000);
      assert.deepEqual(left, [], `outlived the tool:\n${await describe(left)}`);
    } finally {
      for (const pid of tree) killHard(pid);
      for (const pid of await processesWithToken(token)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
      await parent.cleanup();
    }
  });
}
