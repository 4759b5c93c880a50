import assert from "node:assert/strict";
import { DatasetError, extractGsm8kFinalAnswer, loadGsm8k } from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, shippedBytes, withTempDir } from "./_helpers.ts";

Deno.test("loadGsm8k() loads the 1319 test problems with their final answers", async () => {
  const problems = await loadGsm8k(LOCAL);
  assert.equal(problems.length, 1319);
  assert.equal(problems[0].id, "gsm8k/test/00000");
  assert.ok(problems[0].question.startsWith("Janet\u2019s ducks lay 16 eggs per day."));
  // Janet sells 16 - 3 - 4 = 9 eggs at $2: 18.
  assert.equal(problems[0].finalAnswer, "18");
  assert.ok(problems[0].answer.endsWith("\n#### 18"));
  assert.ok(problems.every((p) => /^-?\d+(\.\d+)?$/.test(p.finalAnswer)));
});

Deno.test("loadGsm8k() strips thousands commas from the final answer", async () => {
  // Line 147 of test.jsonl ends with "#### 2,125".
  const line147 =
    new TextDecoder().decode(await shippedBytes("gsm8k", "test.jsonl")).split("\n")[146];
  assert.ok(line147.endsWith('#### 2,125"}'));
  const problems = await loadGsm8k(LOCAL);
  assert.equal(problems[146].id, "gsm8k/test/00146");
  assert.equal(problems[146].finalAnswer, "2125");
});

Deno.test("extractGsm8kFinalAnswer() reads after the last ####, trimmed and without commas", () => {
  assert.equal(extractGsm8kFinalAnswer("x #### 1\n#### 1,234,567 "), "1234567");
  assert.equal(extractGsm8kFinalAnswer("#### -3"), "-3");
  assert.equal(extractGsm8kFinalAnswer("no marker"), undefined);
});

Deno.test("loadGsm8k() names file and line for an answer without ####", async () => {
  await withTempDir(async (dir) => {
    const lines = new TextDecoder().decode(await shippedBytes("gsm8k", "test.jsonl")).split("\n");
    const row = JSON.parse(lines[11]);
    row.answer = row.answer.replace("####", "answer:");
    lines[11] = JSON.stringify(row);
    const options = await malformedCopy(dir, "gsm8k", "test.jsonl", lines.join("\n"));
    await assert.rejects(
      loadGsm8k(options),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("gsm8k/test.jsonl") &&
        error.message.includes("at line 12: answer has no numeric final answer after '####'"),
    );
  });
});

Deno.test("loadGsm8k() names file and line for a line that is not JSON", async () => {
  await withTempDir(async (dir) => {
    const lines = new TextDecoder().decode(await shippedBytes("gsm8k", "test.jsonl")).split("\n");
    lines[1318] = lines[1318].slice(0, -1);
    const options = await malformedCopy(dir, "gsm8k", "test.jsonl", lines.join("\n"));
    await assert.rejects(
      loadGsm8k(options),
      (error: unknown) =>
        error instanceof DatasetError && error.message.includes("at line 1319: invalid JSON"),
    );
  });
});
