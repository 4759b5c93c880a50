import assert from "node:assert/strict";
import { DatasetError, loadMmlu, MMLU_SUBJECTS } from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, shippedBytes, withTempDir } from "./_helpers.ts";

// Table of data/datasets/mmlu/SOURCE.md.
const TEST_ROWS = {
  business_ethics: 100,
  college_mathematics: 100,
  econometrics: 114,
  high_school_macroeconomics: 390,
  high_school_microeconomics: 238,
  professional_accounting: 282,
};

function countBySubject(samples: { subject: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[s.subject] = (counts[s.subject] ?? 0) + 1;
  return counts;
}

Deno.test("loadMmlu() loads 1224 test questions with the per-subject counts of SOURCE.md", async () => {
  const test = await loadMmlu(LOCAL);
  assert.equal(test.length, 1224);
  assert.deepEqual(countBySubject(test), TEST_ROWS);
  assert.deepEqual([...new Set(test.map((s) => s.subject))], [...MMLU_SUBJECTS]);
  assert.ok(test.every((s) => ["A", "B", "C", "D"].includes(s.answer)));
  assert.equal(new Set(test.map((s) => s.id)).size, 1224);
});

Deno.test("loadMmlu() loads 5 dev questions per subject", async () => {
  const dev = await loadMmlu({ ...LOCAL, split: "dev" });
  assert.equal(dev.length, 30);
  assert.deepEqual(Object.values(countBySubject(dev)), [5, 5, 5, 5, 5, 5]);
  assert.equal(dev[0].id, "mmlu/business_ethics/dev/00000");
});

Deno.test("loadMmlu() parses quoted questions with embedded newlines", async () => {
  const econometrics = await loadMmlu({ ...LOCAL, subjects: ["econometrics"] });
  // test/econometrics_test.csv lines 91-95 hold one quoted question (row index 19).
  assert.deepEqual(econometrics[19], {
    id: "mmlu/econometrics/test/00019",
    subject: "econometrics",
    question:
      "The characteristic roots of the MA process\n\n$y_t = -3u_{t-1} + u_{t-2} + u_t$\n\nare",
    choices: ["1 and 2", "1 and 0.5", "2 and -0.5", "1 and -3"],
    answer: "B",
  });
  // dev/college_mathematics_dev.csv keeps its 3 CRLFs inside the third question.
  const [, , third] = await loadMmlu({ ...LOCAL, split: "dev", subjects: ["college_mathematics"] });
  assert.ok(third.question.startsWith("Let A be a real 2x2 matrix. Which of the following"));
  assert.equal(third.question.split("\r\n").length, 4);
});

Deno.test("loadMmlu() reads CRLF files with no trailing newline to the last row", async () => {
  const macro = await loadMmlu({ ...LOCAL, subjects: ["high_school_macroeconomics"] });
  const text = new TextDecoder().decode(
    await shippedBytes("mmlu", "test/high_school_macroeconomics_test.csv"),
  );
  assert.ok(text.includes("\r\n") && !text.endsWith("\n"));
  assert.equal(macro.length, 390);
  const last = text.slice(text.lastIndexOf("\r\n") + 2);
  assert.ok(last.endsWith(`,${macro[389].answer}`));
  assert.ok(!macro.some((s) => [s.question, ...s.choices, s.answer].some((f) => f.endsWith("\r"))));
});

Deno.test("loadMmlu() keeps the order of the requested subjects", async () => {
  const samples = await loadMmlu({
    ...LOCAL,
    subjects: ["professional_accounting", "business_ethics"],
  });
  assert.equal(samples.length, 382); // 282 + 100
  assert.equal(samples[0].subject, "professional_accounting");
  assert.equal(samples[282].id, "mmlu/business_ethics/test/00000");
});

Deno.test("loadMmlu() rejects an unknown subject with the available ones", async () => {
  await assert.rejects(
    // @ts-expect-error: testing a bad value from untyped callers
    loadMmlu({ ...LOCAL, subjects: ["astronomy"] }),
    new RangeError(`Unknown MMLU subject 'astronomy': available are ${MMLU_SUBJECTS.join(", ")}`),
  );
});

Deno.test("loadMmlu() names file, line and value for a bad answer letter", async () => {
  await withTempDir(async (dir) => {
    const file = "test/business_ethics_test.csv";
    const text = new TextDecoder().decode(await shippedBytes("mmlu", file));
    const lines = text.split("\n");
    lines[3] = lines[3].replace(/,[ABCD]$/, ",E");
    const options = await malformedCopy(dir, "mmlu", file, lines.join("\n"));
    await assert.rejects(
      loadMmlu({ ...options, subjects: ["business_ethics"] }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("mmlu/test/business_ethics_test.csv") &&
        error.message.includes('at line 4: answer must be one of A, B, C, D: "E"'),
    );
  });
});

Deno.test("loadMmlu() names file and line for a row with the wrong column count", async () => {
  await withTempDir(async (dir) => {
    const file = "dev/econometrics_dev.csv";
    const lines = new TextDecoder().decode(await shippedBytes("mmlu", file)).split("\n");
    lines[0] = lines[0].replace(/,[ABCD]$/, "");
    const options = await malformedCopy(dir, "mmlu", file, lines.join("\n"));
    await assert.rejects(
      loadMmlu({ ...options, split: "dev", subjects: ["econometrics"] }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("mmlu/dev/econometrics_dev.csv") &&
        error.message.includes("at line 1: expected 6 columns, found 5"),
    );
  });
});
