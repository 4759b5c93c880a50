/** `deno task perf` end to end on the real engine: records, manifest, summary, kill -9 + --resume. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestSchema, PerfRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { MODELS_DIR, readPerfLines, ROOT, runCli } from "../helpers/mod.ts";

const SCENARIOS = "interactive_assistant,json_extraction";

Deno.test("perf on stories260k writes one valid record per request, warm-ups flagged, and the seed's summary", async () => {
  const results = await Deno.makeTempDir();
  const out = await runCli("lib/cli/perf.ts", [
    "--models",
    "stories260k",
    "--scenarios",
    SCENARIOS,
    "--runs",
    "3",
    "--warmup",
    "1",
    "--results-dir",
    results,
  ]);
  assert.equal(out.code, 0, out.stderr);
  for (
    const line of [
      "EDGE SLM PERFORMANCE BENCHMARK",
      "RESULTS SUMMARY",
      "TTFT:",
      "[95% CI:",
      "Output t/s:",
      "Peak RAM:",
      "Success rate:   100.0%",
      "[Saved] Results saved to",
    ]
  ) {
    assert.ok(out.stdout.includes(line), `missing '${line}' in:\n${out.stdout}`);
  }
  const files = [...Deno.readDirSync(results)].map((e) => e.name).sort();
  assert.equal(
    files.filter((f) =>
      /^perf_ggml-org_stories260K_GGUF_F32_(interactive_assistant|json_extraction)_\d{8}_\d{6}\.jsonl$/
        .test(f)
    ).length,
    2,
    files.join(","),
  );
  const manifestName = files.find((f) => /^experiment_config_[0-9a-f]{64}\.json$/.test(f))!;
  const manifest = ManifestSchema.parse(
    JSON.parse(await Deno.readTextFile(join(results, manifestName))),
  );
  assert.equal(manifest.runs.length, 1);
  assert.equal(manifest.runs[0].status, "complete");
  assert.equal((manifest.config as { experiment: { runs: number } }).experiment.runs, 3);
  assert.ok(manifest.runs[0].environments[0].git, "the environment is captured");
  for (const f of files.filter((f) => f.startsWith("perf_"))) {
    const { records, warnings } = await readJsonl(join(results, f), PerfRecordSchema);
    assert.deepEqual(warnings, []);
    assert.equal(records.length, 4);
    assert.deepEqual(records.map((r) => [r.warmup, r.repetition]), [[true, 0], [false, 0], [
      false,
      1,
    ], [false, 2]]);
    for (const r of records) {
      assert.equal(r.error, null);
      assert.equal(r.config_hash, manifest.config_hash);
      assert.equal(r.token_count_source, "engine");
      assert.ok(r.ttft_ms! > 0 && r.e2e_ms! >= r.ttft_ms!);
      assert.ok(Math.abs(r.output_tokens_per_s! - 1000 / r.tpot_ms!) < 1e-9);
      assert.ok(r.peak_rss_bytes! > 20 * 1024 * 1024, "RSS of the process holding the engine");
      assert.ok(r.memory_samples >= 2);
      // Perf never reuses the prompt prefix (that is the eval-only warm mode): the embedded engine
      // cleared its KV cache before every request, so the whole prompt was evaluated each time.
      assert.equal(r.cache_mode, "cold");
      assert.equal(r.cached_prompt_tokens, 0);
    }
    if (f.includes("json_extraction")) {
      assert.ok(records.every((r) => r.output_valid === false), "stories260K writes no JSON");
    }
  }
});

async function waitForRecords(dir: string, n: number, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      if ((await readPerfLines(dir)).length >= n) return;
    } catch { /* folder not there yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} records after ${timeoutMs} ms`);
}

for (const attempt of [1, 2]) {
  Deno.test(`kill -9 of a perf run at a random moment, then --resume, gives exactly the planned records (attempt ${attempt})`, async () => {
    const results = await Deno.makeTempDir();
    const runs = 8, warmup = 1, units = 2;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        join(ROOT, "lib/cli/perf.ts"),
        "--models",
        "stories260k",
        "--scenarios",
        SCENARIOS,
        "--runs",
        String(runs),
        "--warmup",
        String(warmup),
        "--results-dir",
        results,
      ],
      env: { EDGE_BENCH_MODEL_DIR: MODELS_DIR },
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForRecords(results, 1, 60_000);
    // A random moment within the run (~18 requests of ~0.2-1 s each).
    await new Promise((r) => setTimeout(r, Math.random() * 4000));
    child.kill("SIGKILL");
    const status = await child.status;
    const before = await readPerfLines(results);
    assert.ok(status.signal === "SIGKILL" || before.length === units * (runs + warmup));
    const resumed = await runCli("lib/cli/perf.ts", ["--resume", "--results-dir", results]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = await readPerfLines(results);
    assert.equal(
      after.length,
      units * (runs + warmup),
      `planned ${units * (runs + warmup)}, had ${before.length} before resume`,
    );
    const keys = after.map((r) => `${r.scenario}|${r.warmup}|${r.repetition}`);
    assert.equal(new Set(keys).size, keys.length, "no duplicates");
    assert.equal(new Set(after.map((r) => r.run_id)).size, 1, "one run id across the crash");
    const manifestName = [...Deno.readDirSync(results)].find((e) =>
      e.name.startsWith("experiment_config_")
    )!.name;
    const manifest = JSON.parse(await Deno.readTextFile(join(results, manifestName)));
    assert.equal(manifest.runs[0].status, "complete");
  });
}
