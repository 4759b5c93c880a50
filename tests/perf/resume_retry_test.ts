/**
 * Failed work is never called complete: a perf run whose requests failed is incomplete (exit 1
 * with the count), and `--resume` retries every slot whose latest record is an error; the failed
 * record stays in the file, superseded, and aggregates count the latest attempt. SCRIPTED server
 * (tests/perf/_caching_server.ts) failing its first requests with HTTP 500.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PerfRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { ROOT, runCli } from "../helpers/mod.ts";
import { startCachingServer } from "./_caching_server.ts";

async function configDir(baseUrl: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "perf-retry-cfg-" });
  await Deno.copyFile(join(ROOT, "configs", "experiment.yaml"), join(dir, "experiment.yaml"));
  await Deno.copyFile(join(ROOT, "configs", "scenarios.yaml"), join(dir, "scenarios.yaml"));
  await Deno.writeTextFile(
    join(dir, "models.yaml"),
    `models:
  scripted:
    backend: openai
    name: scripted llama-server
    model_id: scripted
    format: GGUF
    quantization: F32
    base_url: ${baseUrl}
`,
  );
  return dir;
}

async function lines(dir: string) {
  const file = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("perf_"))!.name;
  return (await readJsonl(join(dir, file), PerfRecordSchema)).records;
}

for (
  const [label, failFirst, runs] of [["all 3 requests", 3, 3], ["2 of 5 requests", 2, 5]] as const
) {
  Deno.test(`a run where ${label} got HTTP 500 exits 1 with the count, and --resume retries exactly the failed slots`, async () => {
    const server = startCachingServer({ failFirst });
    try {
      const cfg = await configDir(server.baseUrl);
      const results = await Deno.makeTempDir({ prefix: "perf-retry-res-" });
      const args = [
        "--config-dir",
        cfg,
        "--models",
        "scripted",
        "--scenarios",
        "interactive_assistant",
      ];
      const first = await runCli("lib/cli/perf.ts", [
        ...args,
        "--runs",
        String(runs),
        "--warmup",
        "0",
        "--results-dir",
        results,
      ]);
      assert.equal(first.code, 1, first.stdout + first.stderr);
      const expected = failFirst >= 3
        ? /3 consecutive failed requests/
        : new RegExp(`${failFirst} failed request\\(s\\) of ${runs}`);
      assert.match(first.stderr, expected);
      assert.match(
        first.stderr,
        new RegExp(`deno task perf --resume perf_\\S+ --results-dir ${results}`),
      );
      const before = await lines(results);
      assert.equal(before.filter((r) => r.error !== null).length, failFirst);
      const resumed = await runCli("lib/cli/perf.ts", ["--resume", "--results-dir", results]);
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      const after = await lines(results);
      // The failed records stay, superseded by their retries (attempt 1); nothing is done twice.
      assert.equal(after.length, runs + failFirst);
      const retried = after.filter((r) => r.attempt === 1);
      assert.equal(retried.length, failFirst);
      assert.ok(retried.every((r) => r.error === null));
      assert.deepEqual(
        retried.map((r) => r.repetition).sort(),
        before.filter((r) => r.error !== null).map((r) => r.repetition).sort(),
      );
      assert.match(resumed.stdout, new RegExp(`Success rate: {3}100\\.0% \\(${runs}/${runs}`));
      const manifest = [...Deno.readDirSync(results)].find((e) =>
        e.name.startsWith("experiment_config_")
      )!;
      assert.equal(
        JSON.parse(await Deno.readTextFile(join(results, manifest.name))).runs[0].status,
        "complete",
      );
    } finally {
      await server.stop();
    }
  });
}
