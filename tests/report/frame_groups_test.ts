/**
 * The perf frame's compact storage and the one-group-at-a-time walk of the tables (what keeps a
 * million-record report within its memory): counts are Int32 and hold the records' values, a
 * count past 32 bits is refused with the file and line, and `groupsOf` yields exactly the groups
 * `partitionBy` would (categorical, null and numeric keys), in order of first appearance; the
 * percentile table's Polars-sorted Woodruff path gives lib/perf's numbers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { clusterQuantiles } from "../../lib/perf/mod.ts";
import { loadResults, percentileTable } from "../../lib/report/mod.ts";
import { seededRandom } from "../../lib/stats/mod.ts";
import { groupIndex, groupsOf } from "../../lib/report/_frame.ts";
import { PERF_COUNTS } from "../../lib/report/_perf_columns.ts";
import { perfRecord } from "./_fixtures.ts";

const FILE = "perf_acme_demo-3b_GGUF_Q4_K_M_interactive_assistant_20251123_100000.jsonl";

Deno.test("the perf frame keeps counts as Int32 and measurements as Float64, with the records' values and nulls", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-int32-" });
  const records = [
    perfRecord({ repetition: 0, prompt_tokens: 272, output_tokens: 128, concurrency: 1 }),
    perfRecord({ repetition: 1, prompt_tokens: 2 ** 31 - 1, output_tokens: null }),
    perfRecord({
      repetition: 2,
      prompt_tokens: 0,
      output_tokens: 7,
      chunk_offsets_ms: [10, 20, 30],
      chunk_tokens: [1, 1, 5],
      multi_token_chunks: 1,
      concurrency: 4,
      batch_window: { id: 1_764_000_000_000_000, size: 3, sent_ms: 1.5, end_ms: 9.25 },
    }),
  ];
  await Deno.writeTextFile(
    join(dir, FILE),
    records.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  const { perf, warnings } = await loadResults(dir, { workers: 0 });
  assert.deepEqual(warnings, []);
  for (const c of perf.getColumns()) {
    if (PERF_COUNTS.has(c.name)) assert.equal(String(c.dtype), "DataType(Int32)", c.name);
  }
  assert.equal(String(perf.getColumn("ttft_ms").dtype), "DataType(Float64)");
  // An epoch-microsecond window id does not fit 32 bits: it stays Float64, exact.
  assert.equal(String(perf.getColumn("window_id").dtype), "DataType(Float64)");
  const rows = perf.select(
    "prompt_tokens",
    "output_tokens",
    "chunks",
    "multi_token_chunks",
    "concurrency",
    "window_size",
    "window_id",
  ).toRecords();
  assert.deepEqual(rows, [
    {
      prompt_tokens: 272,
      output_tokens: 128,
      chunks: null,
      multi_token_chunks: null,
      concurrency: 1,
      window_size: null,
      window_id: null,
    },
    {
      prompt_tokens: 2 ** 31 - 1,
      output_tokens: null,
      chunks: null,
      multi_token_chunks: null,
      concurrency: 1,
      window_size: null,
      window_id: null,
    },
    {
      prompt_tokens: 0,
      output_tokens: 7,
      chunks: 3,
      multi_token_chunks: 1,
      concurrency: 4,
      window_size: 3,
      window_id: 1_764_000_000_000_000,
    },
  ]);
});

Deno.test("a count past 32 bits is refused with the file, line and field, the other records kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-int32-bad-" });
  const good = JSON.stringify(perfRecord({ repetition: 0 }));
  const big = JSON.stringify({ ...perfRecord({ repetition: 1 }), output_tokens: 2 ** 31 });
  await Deno.writeTextFile(join(dir, FILE), `${good}\n${big}\n${good}\n`);
  const { perf, warnings } = await loadResults(dir, { workers: 0 });
  assert.equal(perf.height, 2);
  assert.deepEqual(
    warnings.map((w) => [w.file, w.line, w.message.split(":")[0]]),
    [[join(dir, FILE), 2, "record does not match its schema at 'output_tokens'"]],
  );
});

Deno.test("groupsOf() yields the groups partitionBy gives, one at a time, in order of first appearance", () => {
  const n = 5000;
  const model = Array.from({ length: n }, (_, i) => ["a", "b", "c"][(i * 7) % 3]);
  const round = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `r${i % 2}`));
  const conc = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 4 : 1));
  const frame = pl.DataFrame({
    model_key: pl.Series("model_key", model, pl.Categorical),
    round_id: pl.Series("round_id", round, pl.Categorical),
    concurrency: pl.Series("concurrency", conc),
    row: pl.Series("row", Int32Array.from({ length: n }, (_, i) => i)),
  });
  const keys = ["model_key", "round_id", "concurrency"];
  const signature = (g: pl.DataFrame) => {
    const first = g.head(1).toRecords()[0];
    return JSON.stringify([keys.map((k) => first[k]), g.getColumn("row").toArray()]);
  };
  const mine = [...groupsOf(frame, keys)].map(signature);
  const theirs = frame.partitionBy(keys).map(signature).sort();
  assert.deepEqual([...mine].sort(), theirs);
  const combos = new Set(model.map((m, i) => JSON.stringify([m, round[i], conc[i]])));
  assert.equal(mine.length, combos.size);
  assert.ok(mine.length >= 9, `${mine.length} groups`);
  // Order of first appearance: the group of row 0 first, and each group's rows in frame order.
  assert.equal(JSON.parse(mine[0])[1][0], 0);
  const starts = mine.map((s) => JSON.parse(s)[1][0] as number);
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  // Lazily: the first group comes before any other is filtered.
  const walk = groupsOf(frame, keys);
  assert.equal(walk.next().value!.height, JSON.parse(mine[0])[1].length);
  assert.deepEqual([...groupsOf(frame.head(0), keys)], []);
  // An index found once serves another selection of the same rows; one of other rows or keys is
  // not used (the groups are found again).
  const index = groupIndex(frame, keys);
  assert.deepEqual([...groupsOf(frame.select(...keys, "row"), keys, index)].map(signature), mine);
  const half = frame.head(n / 2);
  assert.deepEqual(
    [...groupsOf(half, keys, index)].map(signature),
    [...groupsOf(half, keys)].map(signature),
  );
  assert.deepEqual(
    [...groupsOf(frame, ["model_key"], index)].map((g) => g.height),
    frame.partitionBy(["model_key"], true).map((g) => g.height),
  );
});

Deno.test("groupsOf() over several 65,536-row slices: runs across a slice boundary, a group that comes back later, a frame of many chunks", () => {
  const n = 200_000;
  // a: rows 0..69,999 (across the first slice boundary), b: up to 139,999, a again for 10 rows
  // (a later slice), then c with a null round every 7th row; one b row at the very end.
  const model = Array.from(
    { length: n },
    (_, i) => i < 70_000 ? "a" : i < 140_000 ? "b" : i < 140_010 ? "a" : i === n - 1 ? "b" : "c",
  );
  const round = Array.from({ length: n }, (_, i) => (i >= 140_010 && i % 7 === 0 ? null : "r0"));
  const frame = (from: number, to: number) =>
    pl.DataFrame({
      model_key: pl.Series("model_key", model.slice(from, to), pl.Categorical),
      round_id: pl.Series("round_id", round.slice(from, to), pl.Categorical),
      row: pl.Series("row", Int32Array.from({ length: to - from }, (_, i) => from + i)),
    });
  // Chunks of uneven sizes, as blocks of several files give.
  const cuts = [0, 1000, 65_000, 66_000, 131_072, 150_000, n];
  const chunked = pl.concat(cuts.slice(1).map((to, i) => frame(cuts[i], to)), {
    how: "vertical",
    rechunk: false,
  });
  const keys = ["model_key", "round_id"];
  const signature = (g: pl.DataFrame) => {
    const first = g.head(1).toRecords()[0];
    const rows = g.getColumn("row").toArray() as number[];
    return JSON.stringify([keys.map((k) => first[k]), rows.length, rows[0], rows.at(-1)]);
  };
  const mine = [...groupsOf(chunked, keys)];
  assert.deepEqual(
    mine.map(signature),
    chunked.partitionBy(keys).map(signature).sort((x, y) => JSON.parse(x)[2] - JSON.parse(y)[2]),
  );
  // Every row once, each group's rows in frame order.
  assert.equal(mine.reduce((s, g) => s + g.height, 0), n);
  for (const g of mine) {
    const rows = g.getColumn("row").toArray() as number[];
    assert.ok(rows.every((r, i) => i === 0 || r > rows[i - 1]));
  }
  assert.deepEqual(mine.map((g) => g.head(1).toRecords()[0].model_key), ["a", "b", "c", "c"]);
  assert.equal(mine[0].height, 70_010);
  assert.equal(mine[1].height, 70_001);
});

Deno.test("every number column of the frame is read from its own record field (a full record, all parts present)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-columns-" });
  const record = perfRecord({
    ttft_ms: 101.5,
    e2e_ms: 2002.25,
    tpot_ms: 15.125,
    output_tokens_per_s: 66.5,
    prefill_tokens_per_s: 2700.75,
    prompt_tokens: 273,
    output_tokens: 129,
    peak_rss_bytes: 5_368_709_121,
    cached_prompt_tokens: 17,
    timestamp: "2025-11-23T10:00:01.500Z",
    chunk_offsets_ms: [101.5, 120, 140, 160],
    chunk_tokens: [1, 1, 2, 1],
    multi_token_chunks: 1,
    energy: {
      source: "rapl",
      joules: 3.5,
      joules_per_token: 0.027,
      domains: { "package-0": 3.5 },
      coverage: 1,
      mean_watts: 4.1,
    },
    sweep: {
      prompt_tokens_target: 256,
      output_tokens_target: 64,
      prompt_token_method: "engine",
      prompt_exact: true,
      context_size: 2048,
    },
    concurrency: 2,
    batch_window: { id: 1_764_000_000_000_123, size: 2, sent_ms: 3.5, end_ms: 2005.75 },
  });
  await Deno.writeTextFile(join(dir, FILE), JSON.stringify(record) + "\n");
  const { perf } = await loadResults(dir, { workers: 0 });
  const row = perf.toRecords()[0];
  const expected: Record<string, number> = {
    ttft_ms: 101.5,
    e2e_ms: 2002.25,
    tpot_ms: 15.125,
    output_tokens_per_s: 66.5,
    prefill_tokens_per_s: 2700.75,
    prompt_tokens: 273,
    output_tokens: 129,
    peak_rss_bytes: 5_368_709_121,
    cached_prompt_tokens: 17,
    timestamp_ms: Date.UTC(2025, 10, 23, 10, 0, 1, 500),
    chunks: 4,
    multi_token_chunks: 1,
    energy_j: 3.5,
    energy_j_per_token: 0.027,
    sweep_prompt_tokens: 256,
    sweep_output_tokens: 64,
    concurrency: 2,
    window_id: 1_764_000_000_000_123,
    window_size: 2,
    window_sent_ms: 3.5,
    window_end_ms: 2005.75,
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(row[k], v, k);
  assert.equal(row.sweep_prompt_exact, true);
});

Deno.test("the percentile table over 6,000 requests a row (Woodruff's interval) gives what lib/perf's clusterQuantiles gives on the same values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-woodruff-" });
  const random = seededRandom(9);
  const lines: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    // Rounded to 0.1 ms (ties); a few failed requests and warm-ups, which the table leaves out.
    const ttft = Math.round(Math.exp(5 + random()) * 10) / 10;
    lines.push(JSON.stringify(perfRecord({
      repetition: i,
      scenario: i % 2 ? "json_extraction" : "interactive_assistant",
      warmup: i < 6,
      ttft_ms: ttft,
      e2e_ms: ttft + Math.round(2000 * random()),
      ...(i % 97 === 0 ? { error: "timeout", ttft_ms: null, e2e_ms: null } : {}),
    })));
  }
  await Deno.writeTextFile(join(dir, FILE), lines.join("\n") + "\n");
  const results = await loadResults(dir);
  const rows = percentileTable(results);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.equal(row.ci_method, "woodruff");
    const ok = results.perf.filter(
      pl.col("scenario").eq(pl.lit(row.scenario)).and(pl.col("warmup").not()).and(pl.col("ok")),
    );
    assert.equal(ok.height, row.n);
    assert.ok(row.n > 5_800, `${row.n} requests`);
    for (const [metric, column] of [["ttft", "ttft_ms"], ["e2e", "e2e_ms"]] as const) {
      const values = (ok.getColumn(column).toArray() as number[]).map((x) => [x]);
      const expected = clusterQuantiles(values, [0.5, 0.9, 0.99], { method: "woodruff" });
      (["p50", "p90", "p99"] as const).forEach((p, k) => {
        assert.equal(row[`${metric}_${p}`], expected[k].value, `${row.scenario} ${metric} ${p}`);
        assert.equal(row[`${metric}_${p}_lo`], expected[k].ci95![0]);
        assert.equal(row[`${metric}_${p}_hi`], expected[k].ci95![1]);
      });
    }
  }
});
