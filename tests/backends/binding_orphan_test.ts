/**
 * node-llama-cpp tests its binding in a forked Deno process (testBindingBinary.js, Linux). A
 * kill -9 of a real perf run while that test runs leaves no such process behind. The test process
 * is frozen (SIGSTOP) before the kill, standing for one that hangs and never reads that its
 * parent is gone (the case reported: alive 45 minutes later with parent 1).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MODELS_DIR, ROOT } from "../helpers/mod.ts";
import {
  descendantsOf,
  descendantsWith,
  describe,
  endsWithin,
  killHard,
  survivors,
  waitFor,
} from "../process/_helpers.ts";

Deno.test({
  name: "a kill -9 of a perf run during node-llama-cpp's binding test leaves no test process",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const results = await Deno.makeTempDir({ prefix: "edge-binding-orphan-" });
    const cli = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", "--v8-flags=--expose-gc", join(ROOT, "lib/cli/perf.ts")],
        ...["--models", "stories260k", "--scenarios", "interactive_assistant"],
        ...["--runs", "1", "--warmup", "0", "--results-dir", results],
      ],
      env: { DENO_NO_UPDATE_CHECK: "1", EDGE_BENCH_MODEL_DIR: MODELS_DIR },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let tester: number | null = null;
    let tree: number[] = [];
    try {
      // The embedded engine runs in a worker process of the run: the binding test is its child.
      tester = await waitFor(() => descendantsWith(cli.pid, "testBindingBinary"), 60_000, 10);
      assert.ok(tester !== null, "the binding test process never appeared");
      Deno.kill(tester, "SIGSTOP");
      tree = await descendantsOf(cli.pid);
      Deno.kill(cli.pid, "SIGKILL");
      await cli.status;
      assert.equal(await endsWithin(tester, 5000), true, "testBindingBinary.js outlived the run");
      const left = await survivors(tree, 5000);
      assert.deepEqual(left, [], `outlived the run:\n${await describe(left)}`);
    } finally {
      if (tester !== null) killHard(tester);
      for (const pid of tree) killHard(pid);
      killHard(cli.pid);
      await cli.status;
      await Deno.remove(results, { recursive: true });
    }
  },
});
