/** Bad or partial result files: skipped with a warning naming file and line, numbers unchanged. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { capabilityTable, loadBands, loadResults, performanceTable } from "../../lib/report/mod.ts";
import { evalFiles, jsonl, perfRecord, writeScriptedSet } from "./_fixtures.ts";

const bands = await loadBands();
const clean = await Deno.makeTempDir({ prefix: "report-clean-" });
await writeScriptedSet(clean);
// Everything but the file paths (the folders differ) must be identical.
const numbers = (rows: object[]) => rows.map(({ files: _f, ...rest }: { files?: string }) => rest);
const expected = numbers(performanceTable(await loadResults(clean), { bands }));

const GGUF = "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_100000.jsonl";

Deno.test("bad JSON, a record failing its schema and a truncated last line are skipped with file and line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-bad-" });
  await writeScriptedSet(dir);
  const path = join(dir, GGUF);
  const bad = JSON.stringify({ ...perfRecord({}), ttft_ms: -5 });
  const truncated = JSON.stringify(perfRecord({ ttft_ms: 5000 })).slice(0, 120);
  await Deno.writeTextFile(path, `not json at all\n${bad}\n${truncated}`, { append: true });
  const seen: string[] = [];
  const results = await loadResults(dir, { onWarning: (w) => seen.push(`${w.file}:${w.line}`) });
  const lines = results.warnings.map((w) => [w.file, w.line, w.message.split(":")[0]]);
  assert.deepEqual(lines, [
    [path, 6, "not valid JSON, skipped"],
    [path, 7, "record does not match its schema at 'ttft_ms'"],
    [path, 8, "truncated last line (interrupted write), skipped"],
  ]);
  assert.deepEqual(seen, [`${path}:6`, `${path}:7`, `${path}:8`]);
  assert.deepEqual(numbers(performanceTable(results, { bands })), expected, "numbers unchanged");
  assert.deepEqual(results.files.find((f) => f.file === path), {
    file: path,
    kind: "perf",
    records: 5,
    skipped: 3,
  });
});

Deno.test("unknown files, a corrupt summary and a corrupt manifest are skipped with a warning, never a crash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-junk-" });
  await writeScriptedSet(dir);
  await Deno.writeTextFile(join(dir, "notes.txt"), "hello");
  await Deno.writeTextFile(join(dir, "eval_banking77_broken_20251123_000000.json"), "{");
  await Deno.writeTextFile(
    join(dir, `experiment_config_${"c".repeat(64)}.json`),
    '{"schema_version": 2}',
  );
  await Deno.writeTextFile(join(dir, "perf_empty_GGUF_F32_x_20251123_000000.jsonl"), "");
  const results = await loadResults(dir);
  const byFile = Object.fromEntries(
    results.warnings.map((w) => [w.file.split("/").at(-1), w.message]),
  );
  assert.match(byFile["notes.txt"], /^unknown file \(not a result file\), skipped$/);
  assert.match(
    byFile["eval_banking77_broken_20251123_000000.json"],
    /^not valid JSON .*; file skipped$/,
  );
  assert.match(
    byFile[`experiment_config_${"c".repeat(64)}.json`],
    /^does not match its schema at 'schema_version'.*; file skipped$/,
  );
  assert.equal(results.warnings.length, 3);
  assert.deepEqual(numbers(performanceTable(results, { bands })), expected);
  assert.equal(capabilityTable(results).length, 1);
});

Deno.test("a summary whose records disagree is reported with the disagreement, not silently", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-disagree-" });
  const e = evalFiles();
  await Deno.writeTextFile(join(dir, `${e.stem}.json`), JSON.stringify(e.summary));
  await Deno.writeTextFile(join(dir, `${e.stem}.jsonl`), jsonl(e.records.slice(0, 9)));
  const results = await loadResults(dir);
  const [row] = capabilityTable(results);
  // 9 records left, 8 of them correct: 8/9 ≠ the summary's 0.8
  assert.equal(
    row.check,
    "records disagree: summary n=10, records n=9; summary accuracy 0.8, records 8/9",
  );
  assert.equal(results.warnings.length, 1);
  assert.match(results.warnings[0].message, /^records disagree/);
});

Deno.test("capability records without a summary and a summary without records are both warned about", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-orphans-" });
  const e = evalFiles();
  await Deno.writeTextFile(join(dir, `${e.stem}.json`), JSON.stringify(e.summary));
  const other = evalFiles("demo_mlx", "MLX", "4bit");
  await Deno.writeTextFile(join(dir, `${other.stem}.jsonl`), jsonl(other.records));
  const results = await loadResults(dir);
  const messages = results.warnings.map((w) => w.message);
  assert.equal(messages.length, 2);
  assert.ok(
    messages.some((m) => /cannot be read .*the summary's numbers are reported unchecked/.test(m)),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) => /^capability records without a summary/.test(m)),
    messages.join("\n"),
  );
  assert.match(capabilityTable(results)[0].check, /^records file .* cannot be read/);
});

Deno.test("loadResults() on a missing folder throws NotFound", async () => {
  await assert.rejects(() => loadResults("/nonexistent/results"), Deno.errors.NotFound);
});

Deno.test("perf files read by worker threads give the same frame, gaps, warnings and events as read in this thread, across block boundaries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-workers-" });
  await writeScriptedSet(dir);
  // A file of 70,000 records (two blocks of 65,536), every tenth with chunk times, every
  // hundredth without peak_footprint_bytes (an older writer), plus bad lines inside it.
  const big = join(dir, "perf_acme_big-1b_GGUF_Q8_0_json_extraction_20251123_110000.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < 70000; i++) {
    const r: Record<string, unknown> = {
      ...perfRecord({
        run_id: "perf_big",
        model_key: "big",
        model_id: "acme/big-1b",
        quantization: "Q8_0",
        scenario: "json_extraction",
        repetition: i,
        warmup: i < 2,
        ttft_ms: 100 + (i % 97),
        chunk_offsets_ms: i % 10 === 0 ? [100, 110 + (i % 7), 125] : null,
        chunk_tokens: i % 10 === 0 ? [1, 2, 1] : null,
      }),
    };
    if (i % 100 === 0) delete r.peak_footprint_bytes;
    lines.push(JSON.stringify(r));
    if (i === 65535) lines.push("{not json");
    if (i === 69000) lines.push(JSON.stringify({ ...r, e2e_ms: "slow" }));
  }
  await Deno.writeTextFile(big, lines.join("\n") + "\n");
  const run = async (workers: number) => {
    const events: string[] = [];
    const results = await loadResults(dir, {
      workers,
      onEvent: (e) => events.push(e.type === "file_loaded" ? `${e.file}:${e.records}` : e.type),
    });
    return { results, events };
  };
  const here = await run(0);
  const there = await run(2);
  assert.equal(here.results.perf.height, 70000 + 8);
  assert.deepEqual(there.results.perf.toRecords(), here.results.perf.toRecords());
  assert.deepEqual(there.results.perfGaps, here.results.perfGaps);
  assert.equal(here.results.perfGaps.gaps.length, 7000 * 2);
  assert.deepEqual(there.results.warnings, here.results.warnings);
  assert.deepEqual(
    here.results.warnings.filter((w) => w.file === big).map((
      w,
    ) => [w.line, w.message.slice(0, 40)]),
    [
      [65537, "not valid JSON, skipped: {not json"],
      [69003, "record does not match its schema at 'e2e"],
      [null, "older records without peak_footprint_byt"],
    ],
  );
  // 700 records, and the bad line (a copy of one of them): filled before it was checked.
  assert.ok(here.results.warnings.some((w) => w.message.includes("peak_footprint_bytes (701)")));
  assert.deepEqual(there.events, here.events);
  assert.deepEqual(
    numbers(performanceTable(there.results, { bands })),
    numbers(performanceTable(here.results, { bands })),
  );
});
