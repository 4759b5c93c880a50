/**
 * An API key is read from the environment variable a model's `api_key_env` names, sent to the
 * server, and written nowhere: not in perf, eval or coding manifests, records or summaries, nor
 * in what the commands print. The server is the SCRIPTED FAKE of tests/eval (exact answers),
 * here requiring the bearer token, so a run that did not send the key fails with HTTP 401.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/mod.ts";
import { scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(path));
    else out.push(path);
  }
  return out;
}

Deno.test("perf, eval and coding runs send the key from api_key_env and write only that one was used", async () => {
  const secret = `sk-edge-test-${crypto.randomUUID()}`;
  const server = startScriptedServer((request) => ({
    content: request.messages.at(-1)?.content.includes("def ")
      ? "```python\n    return None\n```"
      : "card_arrival",
  }), { bearer: secret });
  const configDir = await scriptedConfigDir(server.baseUrl);
  const results = await Deno.makeTempDir({ prefix: "edge-secrets-" });
  try {
    const models = join(configDir, "models.yaml");
    await Deno.writeTextFile(
      models,
      (await Deno.readTextFile(models)).replace(
        `    base_url: ${server.baseUrl}\n`,
        `    base_url: ${server.baseUrl}\n    api_key_env: EDGE_TEST_API_KEY\n` +
          `    memory: { pids: [${Deno.pid}] }\n`,
      ),
    );
    const env = { EDGE_TEST_API_KEY: secret };
    const common = ["--config-dir", configDir, "--results-dir", results];
    const runs = [
      await runCli("lib/cli/perf.ts", [
        ...["--models", "scripted", "--scenarios", "interactive_assistant"],
        ...["--runs", "1", "--warmup", "0", ...common],
      ], env),
      await runCli("lib/cli/eval.ts", [
        ...["--task", "banking77", "--model", "scripted", "--sample-size", "2", ...common],
      ], env),
      await runCli("lib/cli/eval.ts", [
        ...["--task", "coding", "--model", "scripted", "--sample-size", "2", ...common],
      ], env),
    ];
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.ok(
        !run.stdout.includes(secret) && !run.stderr.includes(secret),
        "the key was printed",
      );
    }
    assert.ok(server.requests >= 5, `the server saw ${server.requests} requests`);
    const files = await filesUnder(results);
    assert.ok(files.some((f) => /\/perf_.*\.jsonl$/.test(f)));
    assert.ok(files.some((f) => /\/eval_coding_.*\.jsonl$/.test(f)));
    for (const file of files) {
      assert.ok(!(await Deno.readTextFile(file)).includes(secret), `${file} holds the key`);
    }
    const manifests = files.filter((f) => /experiment_config_[0-9a-f]{64}\.json$/.test(f));
    assert.equal(manifests.length, 3);
    for (const file of manifests) {
      const manifest = JSON.parse(await Deno.readTextFile(file));
      const endpoint = manifest.runs[0].plan.endpoints.scripted;
      assert.equal(endpoint.api_key_env, "EDGE_TEST_API_KEY");
      assert.equal(endpoint.api_key_used, true);
      assert.equal(endpoint.data_egress, false);
    }
  } finally {
    await server.close();
    await Deno.remove(configDir, { recursive: true });
    await Deno.remove(results, { recursive: true });
  }
});

Deno.test("a run whose api_key_env variable is unset is refused before anything is written", async () => {
  const server = startScriptedServer(() => ({ content: "x" }), { bearer: "never-sent" });
  const configDir = await scriptedConfigDir(server.baseUrl);
  const parent = await Deno.makeTempDir({ prefix: "edge-secrets-" });
  const results = join(parent, "results");
  try {
    const models = join(configDir, "models.yaml");
    await Deno.writeTextFile(
      models,
      (await Deno.readTextFile(models)).replace(
        `    base_url: ${server.baseUrl}\n`,
        `    base_url: ${server.baseUrl}\n    api_key_env: EDGE_TEST_UNSET_KEY\n`,
      ),
    );
    const run = await runCli("lib/cli/eval.ts", [
      ...["--task", "banking77", "--model", "scripted", "--sample-size", "2"],
      ...["--config-dir", configDir, "--results-dir", results],
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^error: Cannot load config .*models\.yaml: 'models\.scripted\.api_key_env' names an environment variable that is not set: set it to the API key: current value is "EDGE_TEST_UNSET_KEY"$/m,
    );
    assert.equal(server.requests, 0);
    await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
  } finally {
    await server.close();
    await Deno.remove(configDir, { recursive: true });
    await Deno.remove(parent, { recursive: true });
  }
});
