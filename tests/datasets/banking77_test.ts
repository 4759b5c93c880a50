import assert from "node:assert/strict";
import { DatasetError, loadBanking77, loadBanking77Labels } from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, shippedBytes, withTempDir } from "./_helpers.ts";

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

Deno.test("loadBanking77() loads the 3080 test rows, 40 for each of the 77 categories", async () => {
  const labels = await loadBanking77Labels(LOCAL);
  assert.equal(labels.length, 77);
  assert.equal(labels[0], "card_arrival");
  const test = await loadBanking77({ ...LOCAL, split: "test" });
  assert.equal(test.length, 3080);
  const counts = countBy(test, (s) => s.label);
  assert.deepEqual([...counts.keys()].sort(), [...labels].sort());
  assert.ok([...counts.values()].every((n) => n === 40));
});

Deno.test("loadBanking77() defaults to the test split", async () => {
  assert.equal((await loadBanking77(LOCAL)).length, 3080);
});

Deno.test("loadBanking77() loads the 10003 train rows with 35 to 187 per category", async () => {
  const train = await loadBanking77({ ...LOCAL, split: "train" });
  assert.equal(train.length, 10003);
  const counts = [...countBy(train, (s) => s.label).values()];
  assert.equal(counts.length, 77);
  assert.equal(Math.min(...counts), 35);
  assert.equal(Math.max(...counts), 187);
});

Deno.test("loadBanking77() keeps quoted texts with embedded newlines as one row", async () => {
  const test = await loadBanking77({ ...LOCAL, split: "test" });
  // test.csv lines 561-562 hold one quoted row: "\nWhere can I get my PIN unblocked?",pin_blocked.
  // Line 1 is the header and every earlier row is one line, so its row index is 561 - 2 = 559.
  assert.deepEqual(test[559], {
    id: "banking77/test/00559",
    text: "\nWhere can I get my PIN unblocked?",
    label: "pin_blocked",
  });
  // Lines 979-981 ("\n\nWhat businesses ..."): one extra line before it, so 979 - 2 - 1 = 976.
  assert.equal(test[976].text, "\n\nWhat businesses accept this card?");
  assert.equal(test[976].label, "card_acceptance");
  // The row after it keeps its own label: line 982 -> index 982 - 2 - 1 - 2 = 977.
  const raw = new TextDecoder().decode(await shippedBytes("banking77", "test.csv")).split("\n");
  assert.equal(`${test[977].text},${test[977].label}\r`, raw[981]);
  // SOURCE.md: 3 test and 10 train rows have embedded newlines.
  assert.equal(test.filter((s) => s.text.includes("\n")).length, 3);
  const train = await loadBanking77({ ...LOCAL, split: "train" });
  assert.equal(train.filter((s) => s.text.includes("\n")).length, 10);
  assert.ok([...test, ...train].every((s) => !s.text.includes("\r") && !s.label.includes("\r")));
});

Deno.test("loadBanking77() decodes UTF-8 texts with £ and € and has no duplicate text", async () => {
  const test = await loadBanking77({ ...LOCAL, split: "test" });
  const train = await loadBanking77({ ...LOCAL, split: "train" });
  const nonAscii = (s: { text: string }) => /[^ -~\t\n\r]/.test(s.text);
  assert.equal(test.filter(nonAscii).length, 9);
  assert.equal(train.filter(nonAscii).length, 52);
  assert.ok(test.some((s) => s.text.includes("£")) && train.some((s) => s.text.includes("€")));
  assert.equal(new Set(test.map((s) => s.text)).size, test.length);
  assert.equal(new Set(train.map((s) => s.text)).size, train.length);
});

Deno.test("loadBanking77() gives stable ids in file order", async () => {
  const test = await loadBanking77({ ...LOCAL, split: "test" });
  assert.equal(test[0].id, "banking77/test/00000");
  assert.equal(test[0].text, "How do I locate my card?");
  assert.equal(test.at(-1)?.id, "banking77/test/03079");
  assert.deepEqual(
    (await loadBanking77({ ...LOCAL, split: "test" })).map((s) => s.id),
    test.map((s) => s.id),
  );
});

Deno.test("loadBanking77() names file, line and value for an unknown label after a multi-line row", async () => {
  await withTempDir(async (dir) => {
    // Split on LF only: rows end with CRLF, the embedded newlines are bare LF.
    const lines = new TextDecoder().decode(await shippedBytes("banking77", "test.csv")).split("\n");
    // lines[562] is file line 563, the row right after the two-line quoted row at lines 561-562.
    assert.equal(
      lines[562],
      "Are contactless payments enabled on my new card?,contactless_not_working\r",
    );
    lines[562] = "Are contactless payments enabled on my new card?,contactless_not_workin\r";
    const options = await malformedCopy(dir, "banking77", "test.csv", lines.join("\n"));
    await assert.rejects(
      loadBanking77({ ...options, split: "test" }),
      (error: unknown) =>
        error instanceof DatasetError &&
        /^Malformed banking77\/test\.csv \(.+\) at line 563: unknown label \(not in categories\.json\): "contactless_not_workin"$/
          .test(error.message),
    );
  });
});

Deno.test("loadBanking77() names file, line and row for a row with the wrong column count", async () => {
  await withTempDir(async (dir) => {
    const lines = new TextDecoder().decode(await shippedBytes("banking77", "test.csv")).split("\n");
    lines[9] = lines[9].replace("\r", ",extra\r");
    const options = await malformedCopy(dir, "banking77", "test.csv", lines.join("\n"));
    await assert.rejects(
      loadBanking77({ ...options, split: "test" }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("banking77/test.csv") &&
        error.message.includes("at line 10: expected 2 columns, found 3") &&
        error.message.includes('"extra"'),
    );
  });
});

Deno.test("loadBanking77() rejects an unknown split with the available ones", async () => {
  await assert.rejects(
    // @ts-expect-error: testing a bad value from untyped callers
    loadBanking77({ ...LOCAL, split: "dev" }),
    new RangeError("Unknown Banking77 split 'dev': available are train, test"),
  );
});

Deno.test("loadBanking77() reports the line a multi-line row starts on", async () => {
  await withTempDir(async (dir) => {
    const lines = new TextDecoder().decode(await shippedBytes("banking77", "test.csv")).split("\n");
    // File lines 561-562 are one quoted row; its error must name line 561, where it starts.
    assert.equal(lines[561], 'Where can I get my PIN unblocked?",pin_blocked\r');
    lines[561] = 'Where can I get my PIN unblocked?",pin_unblocked\r';
    const options = await malformedCopy(dir, "banking77", "test.csv", lines.join("\n"));
    await assert.rejects(
      loadBanking77({ ...options, split: "test" }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.endsWith(
          'at line 561: unknown label (not in categories.json): "pin_unblocked"',
        ),
    );
  });
});
