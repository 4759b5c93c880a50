import assert from "node:assert/strict";
import { DatasetError, loadHumanEval } from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, sha256, shippedBytes, withTempDir } from "./_helpers.ts";

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzipText(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

Deno.test("loadHumanEval() loads the 164 problems HumanEval/0..163 in order", async () => {
  const problems = await loadHumanEval(LOCAL);
  assert.equal(problems.length, 164);
  assert.deepEqual(problems.map((p) => p.id), problems.map((_, i) => `HumanEval/${i}`));
  const first = problems[0];
  assert.equal(first.entryPoint, "has_close_elements");
  assert.ok(first.prompt.startsWith("from typing import List\n\n\ndef has_close_elements("));
  assert.ok(first.test.includes("def check(candidate):"));
  assert.ok(first.canonicalSolution.length > 0);
  for (const p of problems) assert.ok(p.prompt.includes(`def ${p.entryPoint}(`), p.id);
});

Deno.test("loadHumanEval() decompresses to the bytes SOURCE.md pins", async () => {
  // SOURCE.md: decompressed 214438 bytes, sha256 1d49078b...; the loaders' fields come from it.
  const text = await gunzipText(await shippedBytes("humaneval", "HumanEval.jsonl.gz"));
  assert.equal(text.length, 214438); // pure ASCII, so characters = bytes
  assert.equal(sha256(text), "1d49078ba3e2b196b9344535bef34a43021f038fad9561d6ee7c53450609a6a2");
  const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
  const problems = await loadHumanEval(LOCAL);
  assert.deepEqual(
    problems.map((p) => [p.id, p.prompt, p.canonicalSolution, p.test, p.entryPoint]),
    lines.map((l) => [l.task_id, l.prompt, l.canonical_solution, l.test, l.entry_point]),
  );
});

Deno.test("loadHumanEval() names file and line for a problem missing a field", async () => {
  await withTempDir(async (dir) => {
    const text = await gunzipText(await shippedBytes("humaneval", "HumanEval.jsonl.gz"));
    const lines = text.split("\n");
    const broken = JSON.parse(lines[4]);
    delete broken.entry_point;
    lines[4] = JSON.stringify(broken);
    const options = await malformedCopy(
      dir,
      "humaneval",
      "HumanEval.jsonl.gz",
      await gzip(lines.join("\n")),
    );
    await assert.rejects(
      loadHumanEval(options),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("humaneval/HumanEval.jsonl.gz") &&
        error.message.includes("at line 5: 'entry_point'") &&
        error.message.includes("HumanEval/4"),
    );
  });
});
