/**
 * Two runs writing into one results folder at once keep both manifest entries: each save reads
 * the manifest again under the folder's lock and writes only its own entry, and a run whose id
 * another run of the folder already holds (same config, same second) gets a suffix. Two real
 * CLI subprocesses of one config into one folder, against a SCRIPTED server
 * (tests/eval/_scripted_server.ts) that holds the first request until the other run's first
 * request arrives, so the two runs always overlap.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EvalRecordSchema,
  EvalSummarySchema,
  type Manifest,
  ManifestSchema,
  PerfRecordSchema,
  readJsonl,
} from "../../lib/results/mod.ts";
import { ROOT, runCli } from "../helpers/mod.ts";
import { scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";
import { LOCAL_DATA } from "../eval/_helpers.ts";

/** A script that answers every request, the first one only once a second request arrived. */
function overlapping(content: string) {
  let release: () => void = () => {};
  const second = new Promise<void>((r) => (release = r));
  return async (_request: unknown, index: number) => {
    if (index === 0) await Promise.race([second, new Promise((r) => setTimeout(r, 60_000))]);
    else release();
    return { content, delayMs: 20 };
  };
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

async function onlyManifest(dir: string): Promise<Manifest> {
  const files = names(dir).filter((n) => n.startsWith("experiment_config_"));
  assert.equal(files.length, 1, `one config, one manifest: ${files.join(", ")}`);
  return ManifestSchema.parse(JSON.parse(await Deno.readTextFile(join(dir, files[0]))));
}

Deno.test("two eval runs of one config writing into one folder at once both keep their manifest entry, each complete", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-concurrent-" });
  const server = startScriptedServer(overlapping("card_arrival"), { slots: 2 });
  const configDir = await scriptedConfigDir(server.baseUrl);
  try {
    const results = join(dir, "results");
    const args = [
      ...["--task", "banking77", "--model", "scripted", "--sample-size", "10"],
      ...["--config-dir", configDir, "--data-dir", LOCAL_DATA.dataDir!, "--results-dir", results],
    ];
    const [a, b] = await Promise.all([
      runCli("lib/cli/eval.ts", args),
      runCli("lib/cli/eval.ts", args),
    ]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.equal(server.maxInFlight, 2, "the two runs overlapped");
    const manifest = await onlyManifest(results);
    assert.equal(manifest.runs.length, 2, JSON.stringify(manifest.runs.map((r) => r.run_id)));
    assert.deepEqual(manifest.runs.map((r) => r.status), ["complete", "complete"]);
    assert.equal(new Set(manifest.runs.map((r) => r.run_id)).size, 2);
    for (const run of manifest.runs) {
      // Each run has its own records and summary, with all of its samples.
      const { records } = await readJsonl(join(results, run.files.records), EvalRecordSchema);
      assert.equal(records.length, 10);
      assert.ok(records.every((r) => r.run_id === run.run_id));
      const summary = EvalSummarySchema.parse(
        JSON.parse(await Deno.readTextFile(join(results, run.files.summary))),
      );
      assert.deepEqual([summary.run_id, summary.complete, summary.metrics.n], [
        run.run_id,
        true,
        10,
      ]);
    }
    assert.deepEqual(names(results).filter((n) => n.includes(".tmp-")), []);
  } finally {
    await server.close();
    await Deno.remove(configDir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two perf runs of one config writing into one folder at once both keep their manifest entry, each complete", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-concurrent-" });
  const server = startScriptedServer(overlapping("A short answer."), { slots: 2 });
  try {
    const configDir = join(dir, "configs");
    await Deno.mkdir(configDir);
    for (const f of ["experiment.yaml", "scenarios.yaml"]) {
      await Deno.copyFile(join(ROOT, "configs", f), join(configDir, f));
    }
    await Deno.writeTextFile(
      join(configDir, "models.yaml"),
      `models:
  scripted:
    backend: openai
    name: scripted llama-server
    model_id: scripted
    format: GGUF
    quantization: F32
    base_url: ${server.baseUrl}
`,
    );
    const results = join(dir, "results");
    const args = [
      ...["--config-dir", configDir, "--models", "scripted", "--scenarios", "all"],
      ...["--runs", "3", "--warmup", "1", "--results-dir", results],
    ];
    const [a, b] = await Promise.all([
      runCli("lib/cli/perf.ts", args),
      runCli("lib/cli/perf.ts", args),
    ]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const manifest = await onlyManifest(results);
    assert.equal(manifest.runs.length, 2, JSON.stringify(manifest.runs.map((r) => r.run_id)));
    assert.deepEqual(manifest.runs.map((r) => r.status), ["complete", "complete"]);
    const ids = manifest.runs.map((r) => r.run_id);
    assert.equal(new Set(ids).size, 2);
    for (const run of manifest.runs) {
      // Every scenario of each run has its file in the entry and all of its requests.
      assert.equal(Object.keys(run.files).length, 3);
      for (const file of Object.values(run.files)) {
        const { records } = await readJsonl(join(results, file), PerfRecordSchema);
        const mine = records.filter((r) => r.run_id === run.run_id);
        assert.equal(mine.length, 4, `${run.run_id} in ${file}`);
        assert.ok(mine.every((r) => r.error === null));
      }
    }
    assert.deepEqual(names(results).filter((n) => n.includes(".tmp-")), []);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
