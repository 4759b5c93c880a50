/** loadResults() reports its progress: the folder's size first, then each file as it is read. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type LoadEvent, loadResults } from "../../lib/report/mod.ts";
import { writeScriptedSet } from "./_fixtures.ts";

Deno.test("loadResults() announces the folder's files and bytes, then one event per file, ending at the total", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-progress-" });
  try {
    await writeScriptedSet(dir);
    await Deno.writeTextFile(join(dir, "notes.txt"), "not a result file");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    const bytes = names.reduce((a, n) => a + Deno.statSync(join(dir, n)).size, 0);
    const events: LoadEvent[] = [];
    const results = await loadResults(dir, { onEvent: (e) => events.push(e) });
    assert.deepEqual(events[0], { type: "load_start", dir, files: names.length, bytes });
    const loaded = events.slice(1).filter((e) => e.type === "file_loaded");
    assert.equal(loaded.length, names.length, "every file once, the sample records included");
    assert.deepEqual(loaded.map((e) => e.done), names.map((_, i) => i + 1));
    assert.ok(loaded.every((e, i) => i === 0 || e.bytesDone > loaded[i - 1].bytesDone));
    assert.equal(loaded.at(-1)!.bytesDone, bytes);
    assert.equal(new Set(loaded.map((e) => e.file)).size, names.length);
    const perf = loaded.filter((e) => e.kind === "perf").reduce((a, e) => a + e.records, 0);
    assert.equal(perf, results.perf.height);
    assert.equal(loaded.find((e) => e.file.endsWith("notes.txt"))?.kind, null);
    const samples = loaded.find((e) => e.kind === "eval_records");
    assert.equal(samples?.records, results.eval[0].records_n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
