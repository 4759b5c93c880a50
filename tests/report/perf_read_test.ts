/**
 * The perf reader pool: real worker threads and this thread parse a folder's files side by side,
 * and hand back exactly the blocks and results one thread alone gives, in folder order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PerfReaderPool, readPerfFile } from "../../lib/report/_perf_read.ts";
import type { PerfBlock } from "../../lib/report/_perf_collect.ts";
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
