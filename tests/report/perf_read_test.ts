/**
 * The perf reader pool: real worker threads and this thread parse the pieces of a folder's files
 * side by side, and hand back exactly the rows and results one thread alone gives, in folder order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PerfReaderPool, readPerfFile } from "../../lib/report/_perf_read.ts";
import { type PerfBlock, timestampMs } from "../../lib/report/_perf_collect.ts";
import { seededRandom } from "../../lib/stats/mod.ts";
import { perfRecord } from "./_fixtures.ts";

/** A block list as rows (unit text fields, every column) and gaps: equal whatever the blocks' sizes. */
function rowsOf(blocks: PerfBlock[]) {
  const rows: unknown[] = [];
  const gaps: number[] = [];
  const multi: number[] = [];
  for (const b of blocks) {
    for (let i = 0; i < b.n; i++) {
      rows.push([
        b.units[b.unit[i]],
        b.line[i],
        b.repetition[i],
        b.warmup[i],
        b.ok[i],
        b.valid[i],
        b.hit[i],
        b.throttled[i],
        b.exact[i],
        b.gapCounts[i],
        ...b.numbers.map((a) => a[i]),
        ...b.windows.map((a) => a[i]),
      ]);
    }
    gaps.push(...b.gaps);
    multi.push(...b.multi);
  }
  return { rows, gaps, multi };
}

/** Perf file text: records with multi-byte text, and bad, blank and whitespace-only lines. */
function perfText(f: number, n: number): string {
  const random = seededRandom(100 + f);
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify(perfRecord({
      repetition: i,
      scenario: `s${f}`,
      ttft_ms: 100 + f + i / 7,
      // Two- to four-byte characters, so pieces cut inside them (bytes are not characters).
      output_text: "é—日本🙂".repeat(Math.floor(random() * 40)),
      chunk_offsets_ms: i % 3 === 0 ? [100, 110 + f, 130] : null,
    })));
  // Bad and blank lines in several pieces: their warnings and the line numbers after them must
  // be the file's.
  for (const at of [10 + f, 151, n - 5]) lines.splice(at, 0, "{not json");
  lines.splice(150, 0, "");
  lines.splice(200, 0, "   ");
  return lines.join("\n") + "\n";
}

Deno.test("one worker and this thread read four files cut into pieces: the same rows, warnings and results as one thread reading them whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-pool-" });
  const paths: string[] = [];
  for (let f = 0; f < 4; f++) {
    const path = join(dir, `perf_acme_demo-3b_GGUF_Q4_K_M_s${f}_20251123_10000${f}.jsonl`);
    let text = perfText(f, 300 + 50 * f);
    // The last file ends in a line cut by an interrupted write.
    if (f === 3) text += JSON.stringify(perfRecord({ repetition: 999 })).slice(0, 300);
    await Deno.writeTextFile(path, text);
    paths.push(path);
  }
  const alone = [];
  for (const path of paths) {
    const blocks: PerfBlock[] = [];
    const result = await readPerfFile(path, (b) => blocks.push(b), 64);
    alone.push({ ...rowsOf(blocks), result });
  }
  // ~60 pieces a file, most cut inside a line and many inside a character.
  const pool = new PerfReaderPool(paths, 1, 64, 7_001);
  const pooled = [];
  for (const path of paths) {
    const blocks: PerfBlock[] = [];
    const result = await pool.read(path, (b) => blocks.push(b));
    pooled.push({ ...rowsOf(blocks), result });
  }
  await pool.close();
  assert.ok(pool.pieces > 200, `${pool.pieces} pieces`);
  assert.deepEqual(pooled, alone);
  assert.equal(alone.reduce((s, r) => s + r.result.records, 0), 300 + 350 + 400 + 450);
  // The bad lines' own numbers in the files, found by their text.
  const texts = await Promise.all(paths.map((p) => Deno.readTextFile(p)));
  assert.deepEqual(
    alone.map((r) => r.result.warnings.map((w) => w.line)),
    texts.map((t, f) => [
      ...t.split("\n").flatMap((l, i) => l === "{not json" ? [i + 1] : []),
      ...(f === 3 ? [t.split("\n").length] : []),
    ]),
  );
  assert.deepEqual(alone.map((r) => r.result.warnings.length), [3, 3, 3, 4]);
  assert.match(alone[3].result.warnings[3].message, /truncated last line/);
  // The worker took two pieces at once; this thread took the next ones as it finished each.
  assert.ok(
    pool.piecesReadHere >= 1 && pool.piecesReadHere < pool.pieces,
    `this thread read ${pool.piecesReadHere} of ${pool.pieces} pieces`,
  );
});

Deno.test("byte ranges of a file: every line read by exactly one piece, wherever the cuts fall (inside a character, on a newline, inside a line longer than the read buffer)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-ranges-" });
  const path = join(dir, "perf_acme_demo-3b_GGUF_Q4_K_M_chat_20251123_100000.jsonl");
  const lines = perfText(0, 40).split("\n");
  // One line of 1.5 MB: longer than the 1 MiB read buffer.
  lines.splice(
    20,
    0,
    JSON.stringify(perfRecord({ repetition: 777, output_text: "ü".repeat(750_000) })),
  );
  const text = lines.join("\n");
  await Deno.writeTextFile(path, text);
  const size = (await Deno.stat(path)).size;
  const whole: PerfBlock[] = [];
  const all = await readPerfFile(path, (b) => whole.push(b));
  assert.equal(all.records, 41);
  const random = seededRandom(5);
  for (let trial = 0; trial < 12; trial++) {
    // Cuts at random bytes, and in most trials one on a newline, or one or two bytes after it.
    const newline = new TextEncoder().encode(text).indexOf(10, 5000);
    const cuts = [
      ...new Set([
        ...Array.from({ length: 1 + trial * 3 }, () => 1 + Math.floor(random() * (size - 1))),
        ...(trial % 4 === 0 ? [] : [newline + (trial % 4) - 1]),
      ]),
    ].sort((a, b) => a - b);
    const bounds = [0, ...cuts, Infinity];
    const blocks: PerfBlock[] = [];
    let before = 0;
    let records = 0;
    const warnings: { line: number; message: string }[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const piece: PerfBlock[] = [];
      const r = await readPerfFile(path, (b) => piece.push(b), undefined, {
        start: bounds[k],
        end: bounds[k + 1],
      });
      for (const b of piece) b.line.forEach((l, i) => b.line[i] = l + before);
      blocks.push(...piece);
      warnings.push(...r.warnings.map((w) => ({ line: w.line + before, message: w.message })));
      records += r.records;
      before += r.lines;
    }
    assert.equal(records, all.records, `cuts ${cuts}`);
    assert.equal(before, all.lines);
    assert.deepEqual(rowsOf(blocks), rowsOf(whole), `cuts ${cuts}`);
    assert.deepEqual(warnings, all.warnings.map((w) => ({ line: w.line, message: w.message })));
  }
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
