import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import {
  findResumableRun,
  JsonlWriter,
  listManifests,
  type Manifest,
  parseJsonl,
  perfFileName,
  readJsonl,
  writeManifest,
} from "../../lib/results/mod.ts";

const Row = z.object({ id: z.number(), v: z.string() });

Deno.test("JsonlWriter appends one flushed line per record, readable back in order", async () => {
  const path = join(await Deno.makeTempDir(), "r.jsonl");
  const w = await JsonlWriter.open(path);
  await w.append({ id: 1, v: "a" });
  await w.append({ id: 2, v: "b\nwith newline" });
  w.close();
  assert.equal(
    await Deno.readTextFile(path),
    '{"id":1,"v":"a"}\n{"id":2,"v":"b\\nwith newline"}\n',
  );
  const { records, warnings } = await readJsonl(path, Row);
  assert.deepEqual(records.map((r) => r.id), [1, 2]);
  assert.deepEqual(warnings, []);
});

Deno.test("a JsonlWriter with batched syncs loses no appended record when its process is killed with SIGKILL", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "r.jsonl");
  // A child appends 50 records with one sync per 1000 (so none of them is synced), says how many
  // appends resolved, and waits to be killed.
  const script = `
    import { JsonlWriter } from ${
    JSON.stringify(new URL("../../lib/results/mod.ts", import.meta.url).href)
  };
    const w = await JsonlWriter.open(${
    JSON.stringify(path)
  }, { syncEvery: 1000, syncIntervalMs: 60000 });
    for (let i = 0; i < 50; i++) await w.append({ id: i, v: "x".repeat(1000) });
    console.log("appended 50");
    await new Promise((r) => setTimeout(r, 60000));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("appended 50")) {
    const { value, done } = await reader.read();
    if (done) break;
    said += value;
  }
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  const { records, warnings } = await readJsonl(path, Row);
  assert.deepEqual(records.map((r) => r.id), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(warnings, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a JsonlWriter syncs every syncEvery records and on close, and refuses appends after close", async () => {
  const path = join(await Deno.makeTempDir(), "r.jsonl");
  const w = await JsonlWriter.open(path, { syncEvery: 3 });
  for (let i = 0; i < 4; i++) await w.append({ id: i, v: "a" });
  // Written before the sync: another reader sees every line at once.
  assert.equal((await readJsonl(path, Row)).records.length, 4);
  w.close();
  await assert.rejects(w.append({ id: 9, v: "late" }), /the writer is closed/);
  await assert.rejects(JsonlWriter.open(path, { syncEvery: 0 }), {
    name: "RangeError",
    message: "JsonlWriter syncEvery must be a positive integer: current value is 0",
  });
});

Deno.test("a truncated last line (crash mid-write) is skipped with a warning, and appending after it stays clean", async () => {
  const path = join(await Deno.makeTempDir(), "r.jsonl");
  await Deno.writeTextFile(path, '{"id":1,"v":"a"}\n{"id":2,"v":"tru');
  const first = await readJsonl(path, Row);
  assert.deepEqual(first.records.map((r) => r.id), [1]);
  assert.equal(first.warnings.length, 1);
  assert.equal(first.warnings[0].line, 2);
  assert.match(first.warnings[0].message, /truncated last line/);
  const w = await JsonlWriter.open(path);
  await w.append({ id: 3, v: "c" });
  w.close();
  const after = await readJsonl(path, Row);
  assert.deepEqual(
    after.records.map((r) => r.id),
    [1, 3],
    "the new record is not glued to the partial line",
  );
  assert.match(after.warnings[0].message, /not valid JSON/);
});

Deno.test("parseJsonl() names file and line of a record that fails its schema", () => {
  const seen: string[] = [];
  const { records, warnings } = parseJsonl(
    '{"id":1,"v":"a"}\n{"id":"x","v":"b"}\n\n{"id":3,"v":"c"}\n',
    Row,
    "f.jsonl",
    {
      onWarning: (w) => seen.push(`${w.file}:${w.line}`),
    },
  );
  assert.deepEqual(records.map((r) => r.id), [1, 3]);
  assert.equal(warnings[0].line, 2);
  assert.match(warnings[0].message, /at 'id'/);
  assert.deepEqual(seen, ["f.jsonl:2"]);
});

Deno.test("perfFileName() follows the seed's pattern and makes ids file-safe", () => {
  const d = new Date("2025-11-23T10:20:30Z");
  assert.equal(
    perfFileName({
      modelId: "qwen/qwen3-vl-4b",
      format: "MLX",
      quantization: "4bit",
      scenario: "json_extraction",
      date: d,
    }),
    "perf_qwen_qwen3-vl-4b_MLX_4bit_json_extraction_20251123_102030.jsonl",
  );
  assert.equal(
    perfFileName({
      modelId: "a b:c",
      format: "GGUF",
      quantization: "Q4_K_M",
      scenario: "s",
      date: d,
    }),
    "perf_a_b-c_GGUF_Q4_K_M_s_20251123_102030.jsonl",
  );
});

Deno.test("manifests are written atomically and the latest unfinished run is found for resume", async () => {
  const dir = await Deno.makeTempDir();
  const hash = "a".repeat(64);
  const run = (id: string, status: "running" | "complete" | "interrupted", at: string) => ({
    run_id: id,
    kind: "perf",
    status,
    started_at: at,
    updated_at: at,
    resumed_at: [],
    plan: {},
    files: {},
    environments: [],
    notes: [],
  });
  const m: Manifest = {
    schema_version: 1,
    config_hash: hash,
    config: {},
    runs: [
      run("old", "interrupted", "2025-01-01T00:00:00.000Z"),
      run("new", "interrupted", "2025-01-02T00:00:00.000Z"),
      run("done", "complete", "2025-01-03T00:00:00.000Z"),
    ],
  };
  await writeManifest(dir, m);
  await Deno.writeTextFile(join(dir, `experiment_config_${"b".repeat(64)}.json`), "{ broken");
  const { manifests, skipped } = await listManifests(dir);
  assert.equal(manifests.length, 1);
  assert.equal(skipped.length, 1);
  assert.equal(findResumableRun(manifests, "perf")?.run.run_id, "new");
  assert.equal(findResumableRun(manifests, "perf", "old")?.run.run_id, "old");
  assert.equal(findResumableRun(manifests, "eval"), null);
  assert.deepEqual([...Deno.readDirSync(dir)].filter((e) => e.name.includes(".tmp")), []);
});
