/**
 * The perf reader pool: real worker threads and this thread parse a folder's files side by side,
 * and hand back exactly the blocks and results one thread alone gives, in folder order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PerfReaderPool, readPerfFile } from "../../lib/report/_perf_read.ts";
import { type PerfBlock, timestampMs } from "../../lib/report/_perf_collect.ts";
import { seededRandom } from "../../lib/stats/mod.ts";
import { perfRecord } from "./_fixtures.ts";

Deno.test("one worker and this thread read four files: the same blocks and results as one thread, and this thread read some itself", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-pool-" });
  const paths: string[] = [];
  for (let f = 0; f < 4; f++) {
    const path = join(dir, `perf_acme_demo-3b_GGUF_Q4_K_M_s${f}_20251123_10000${f}.jsonl`);
    const lines = Array.from({ length: 300 + 50 * f }, (_, i) =>
      JSON.stringify(perfRecord({
        repetition: i,
        scenario: `s${f}`,
        ttft_ms: 100 + f + i / 7,
        chunk_offsets_ms: i % 3 === 0 ? [100, 110 + f, 130] : null,
      })));
    // One bad line per file: its warning names the file and line either way.
    lines.splice(10 + f, 0, "{not json");
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    paths.push(path);
  }
  const alone = [];
  for (const path of paths) {
    const blocks: PerfBlock[] = [];
    alone.push({ blocks, result: await readPerfFile(path, (b) => blocks.push(b), 64) });
  }
  const pool = new PerfReaderPool(paths, 1, 64);
  const pooled = [];
  for (const path of paths) {
    const blocks: PerfBlock[] = [];
    pooled.push({ blocks, result: await pool.read(path, (b) => blocks.push(b)) });
  }
  await pool.close();
  assert.deepEqual(pooled, alone);
  assert.equal(alone.reduce((s, r) => s + r.result.records, 0), 300 + 350 + 400 + 450);
  assert.deepEqual(alone.map((r) => r.result.warnings[0].line), [11, 12, 13, 14]);
  // The worker took the first file at once; this thread then took the next ones as it finished.
  assert.ok(
    pool.filesReadHere >= 1 && pool.filesReadHere <= 3,
    `this thread read ${pool.filesReadHere} of 4 files`,
  );
});

Deno.test("lines with a byte-order mark, CRLF endings or only whitespace read as before: records kept, blanks skipped, the bad line named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-lines-" });
  const path = join(dir, "perf_acme_demo-3b_GGUF_Q4_K_M_chat_20251123_100000.jsonl");
  const r = (i: number) => JSON.stringify(perfRecord({ repetition: i }));
  await Deno.writeTextFile(
    path,
    `\uFEFF${r(0)}\r\n\r\n   \n\u00a0${r(1)}\u00a0\n${r(2)}\r\n{bad\n\t${r(3)}`,
  );
  const blocks: PerfBlock[] = [];
  const result = await readPerfFile(path, (b) => blocks.push(b));
  assert.equal(result.records, 4);
  assert.deepEqual([...blocks[0].line], [1, 4, 5, 7]);
  assert.deepEqual([...blocks[0].repetition], [0, 1, 2, 3]);
  assert.deepEqual(result.warnings.map((w) => [w.line, w.message]), [
    [6, "not valid JSON, skipped: {bad"],
  ]);
});

Deno.test("timestampMs() is Date.parse: toISOString forms read from their digits, every other form by Date.parse", () => {
  const random = seededRandom(11);
  for (let i = 0; i < 20_000; i++) {
    const t = Math.floor((random() * 2 - 0.5) * 4e12);
    const s = new Date(t).toISOString();
    assert.equal(timestampMs(s), Date.parse(s), s);
  }
  for (
    const s of [
      "2024-02-29T23:59:59.999Z",
      "2025-02-29T10:00:00.000Z",
      "2025-04-31T10:00:00.000Z",
      "2025-12-31T24:00:00.000Z",
      "2025-13-01T00:00:00.000Z",
      "2025-11-23T10:00:00Z",
      "2025-11-23T10:00:00.5Z",
      "2025-11-23T10:00:00.123456Z",
      "0099-01-01T00:00:00.000Z",
      "2025-11-23T10:00:60.000Z",
      "2025-11-23T1a:00:00.000Z",
      "2025-11-23 10:00:00.000Z",
      "+012025-11-23T10:00:00.000Z",
    ]
  ) {
    assert.ok(
      Object.is(timestampMs(s), Date.parse(s)),
      `${s}: ${timestampMs(s)} vs ${Date.parse(s)}`,
    );
  }
});
