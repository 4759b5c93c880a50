/** deno.json tasks and the README's two commands make no network call they do not need. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";

const denoJson = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const readme = await Deno.readTextFile(join(ROOT, "README.md"));

Deno.test("every deno.json task turns Deno's update check off for the commands it starts", () => {
  const tasks = Object.entries(denoJson.tasks as Record<string, string>);
  assert.ok(tasks.length >= 10);
  for (const [name, command] of tasks) {
    assert.ok(
      command.startsWith("export DENO_NO_UPDATE_CHECK=1 && "),
      `task ${name}: ${command}`,
    );
  }
});

Deno.test("the README's two set-up commands run with DENO_NO_UPDATE_CHECK=1 and the pinned Deno", async () => {
  const ci = await Deno.readTextFile(join(ROOT, ".ci/run"));
  const version = ci.match(/DENO_VERSION=(\S+)/)?.[1];
  assert.ok(version, "DENO_VERSION in .ci/run");
  for (const task of ["demo", "test"]) {
    assert.ok(
      readme.includes(`DENO_NO_UPDATE_CHECK=1 npx -y deno@${version} task ${task}`),
      `README command for ${task}`,
    );
  }
  assert.match(ci, /export DENO_NO_UPDATE_CHECK=1/);
  assert.doesNotMatch(
    ci,
    /EDGE_BENCH_\w+=|\.\.\/shared/,
    ".ci/run needs nothing outside the clone",
  );
});

Deno.test("node-llama-cpp's install script is denied: its prebuilt binary is used, no notice is printed", () => {
  assert.deepEqual(denoJson.allowScripts?.deny, ["npm:node-llama-cpp"]);
});
