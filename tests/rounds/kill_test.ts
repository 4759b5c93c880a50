/**
 * A kill -9 of a real `deno task rounds` run leaves nothing behind: neither the round worker
 * process (embedded engine) nor the llama-server-like process it launched. The worker is frozen
 * (SIGSTOP) before the kill, so it cannot end on its own: only its lifeline can end it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";
import {
  childrenWith,
  descendantsOf,
  describe,
  endsWithin,
  killHard,
  survivors,
  waitFor,
} from "../process/_helpers.ts";
import { storiesServerEntry, testConfig } from "./_helpers.ts";

const LINUX = Deno.build.os === "linux";

function startRounds(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, "lib/cli/rounds.ts"), ...args],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function killAndCheck(
  cli: Deno.ChildProcess,
  token: string,
  freeze: boolean,
): Promise<void> {
  let found: number | null = null;
  let tree: number[] = [];
  try {
    found = await waitFor(() => childrenWith(cli.pid, token), 90_000, 50);
    assert.ok(found !== null, `no child with '${token}' appeared`);
    if (freeze) Deno.kill(found, "SIGSTOP");
    tree = await descendantsOf(cli.pid);
    Deno.kill(cli.pid, "SIGKILL");
    await cli.status;
    assert.equal(await endsWithin(found, 5000), true, `${token} (pid ${found}) outlived the run`);
    const left = await survivors(tree, 5000);
    assert.deepEqual(left, [], `outlived the run:\n${await describe(left)}`);
  } finally {
    if (found !== null) killHard(found);
    for (const pid of tree) killHard(pid);
    killHard(cli.pid);
    await cli.status;
  }
}

Deno.test({
  name: "a kill -9 of a rounds run on the embedded engine leaves no round worker behind",
  ignore: !LINUX,
  fn: async () => {
    const configDir = await testConfig();
    const resultsDir = await Deno.makeTempDir();
    try {
      const cli = startRounds([
        ...["--model", "stories260k", "--rounds", "baseline,flash_attention", "--no-quality"],
        ...["--config-dir", configDir, "--results-dir", resultsDir],
      ]);
      await killAndCheck(cli, "--worker", true);
    } finally {
      await Deno.remove(resultsDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a kill -9 of a rounds run leaves no launched llama-server-like process behind",
  ignore: !LINUX,
  fn: async () => {
    const configDir = await testConfig(storiesServerEntry());
    const resultsDir = await Deno.makeTempDir();
    try {
      const cli = startRounds([
        ...["--model", "stories_server", "--rounds", "baseline", "--no-quality"],
        ...["--config-dir", configDir, "--results-dir", resultsDir],
      ]);
      await killAndCheck(cli, "lmstudio_like_server.ts", false);
    } finally {
      await Deno.remove(resultsDir, { recursive: true });
    }
  },
});
