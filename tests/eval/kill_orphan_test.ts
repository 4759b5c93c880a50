/**
 * A kill -9 of a real coding eval (`deno run lib/cli/eval.ts --task coding`) while the sandbox
 * runs a model's program leaves no process behind: not the sandbox, not the program, not what
 * the program started. The SCRIPTED FAKE server (tests/eval/_scripted_server.ts) answers code
 * that starts a child and sleeps, so nothing would end on its own.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scriptedConfigDir, startScriptedServer } from "./_scripted_server.ts";
import { LOCAL_DATA, ROOT, withTempDir } from "./_helpers.ts";
import { descendantsOf, describe, killHard, survivors, waitFor } from "../process/_helpers.ts";

Deno.test({
  name: "a kill -9 of a coding eval while the sandbox runs leaves no process behind",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withTempDir(async (dir) => {
      const token = `edgeevalorphan${crypto.randomUUID().replaceAll("-", "")}`;
      const answer = [
        "```python",
        "import subprocess, sys, time",
        `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "${token}"])`,
        "time.sleep(120)",
        "```",
      ].join("\n");
      const server = startScriptedServer(() => ({ content: answer }));
      const configDir = await scriptedConfigDir(server.baseUrl);
      const cli = new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "-A", "--v8-flags=--expose-gc", join(ROOT, "lib/cli/eval.ts")],
          ...["--task", "coding", "--model", "scripted", "--sample-size", "1"],
          ...["--config-dir", configDir, "--results-dir", join(dir, "results")],
          ...["--data-dir", LOCAL_DATA.dataDir!],
        ],
        env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      let tree: number[] = [];
      try {
        // The program's own child carries the token: then the sandbox is running the answer.
        const sandbox = await waitFor(() => descendantsWith(cli.pid, token), 60_000, 100);
        assert.ok(sandbox !== null, "the sandboxed program never started its child");
        tree = await descendantsOf(cli.pid);
        Deno.kill(cli.pid, "SIGKILL");
        await cli.status;
        const left = await survivors(tree, 5000);
        assert.deepEqual(left, [], `outlived the eval:\n${await describe(left)}`);
      } finally {
        for (const pid of tree) killHard(pid);
        killHard(cli.pid);
        await cli.status;
        await server.close();
        await Deno.remove(configDir, { recursive: true });
      }
    }),
});

async function descendantsWith(root: number, token: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await descendantsOf(root)) {
    try {
      if ((await Deno.readTextFile(`/proc/${pid}/cmdline`)).includes(token)) found.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}
