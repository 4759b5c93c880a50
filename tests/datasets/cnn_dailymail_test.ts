import assert from "node:assert/strict";
import { DatasetError, loadCnnDailymail } from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, shippedBytes, withTempDir } from "./_helpers.ts";

Deno.test("loadCnnDailymail() loads the 500 records in Hugging Face order", async () => {
  const records = await loadCnnDailymail(LOCAL);
  assert.equal(records.length, 500);
  assert.equal(records[0].id, "f001ec5c4704938247d27a44948eebb37ae98d01");
  assert.ok(records[0].article.startsWith(
    "(CNN)The Palestinian Authority officially became the 123rd member of the International Criminal Court",
  ));
  assert.equal(new Set(records.map((r) => r.id)).size, 500);
});

Deno.test("loadCnnDailymail() matches the statistics of SOURCE.md", async () => {
  const records = await loadCnnDailymail(LOCAL);
  const lengths = records.map((r) => r.article.length);
  assert.deepEqual([Math.min(...lengths), Math.max(...lengths)], [611, 10664]);
  const sentences = new Map<number, number>();
  for (const r of records) {
    const n = r.highlights.split("\n").length;
    sentences.set(n, (sentences.get(n) ?? 0) + 1);
  }
  assert.deepEqual([...sentences].sort(), [[1, 1], [2, 236], [3, 260], [4, 3]]);
  assert.ok(records.every((r) => !r.article.includes("\n")));
  const nonAscii = records.filter((r) => /[^ -~\t\n\r]/.test(r.article + r.highlights));
  assert.equal(nonAscii.length, 57);
});

Deno.test("loadCnnDailymail() names file and line for a duplicated id", async () => {
  await withTempDir(async (dir) => {
    const file = "test_first500.jsonl";
    const lines = new TextDecoder().decode(await shippedBytes("cnn_dailymail", file)).split("\n");
    lines[9] = lines[9].replace(/"id": "[0-9a-f]{40}"/, `"id": "${JSON.parse(lines[2]).id}"`);
    const options = await malformedCopy(dir, "cnn_dailymail", file, lines.join("\n"));
    await assert.rejects(
      loadCnnDailymail(options),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("cnn_dailymail/test_first500.jsonl") &&
        error.message.includes(`at line 10: duplicate id: "${JSON.parse(lines[2]).id}"`),
    );
  });
});
