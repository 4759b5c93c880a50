import assert from "node:assert/strict";
import {
  DatasetError,
  FINANCIAL_PHRASEBANK_AGREEMENTS,
  loadFinancialPhraseBank,
} from "../../lib/datasets/mod.ts";
import { LOCAL, malformedCopy, shippedBytes, withTempDir } from "./_helpers.ts";

// Table of data/datasets/financial_phrasebank/SOURCE.md: rows, positive, negative, neutral.
const EXPECTED = {
  "50Agree": [4846, 1363, 604, 2879],
  "66Agree": [4217, 1168, 514, 2535],
  "75Agree": [3453, 887, 420, 2146],
  "AllAgree": [2264, 570, 303, 1391],
} as const;

Deno.test("loadFinancialPhraseBank() matches the row and label counts of SOURCE.md for every subset", async () => {
  for (const agreement of FINANCIAL_PHRASEBANK_AGREEMENTS) {
    const samples = await loadFinancialPhraseBank({ ...LOCAL, agreement });
    const count = (label: string) => samples.filter((s) => s.label === label).length;
    assert.deepEqual(
      [samples.length, count("positive"), count("negative"), count("neutral")],
      [...EXPECTED[agreement]],
      agreement,
    );
  }
});

Deno.test("loadFinancialPhraseBank() defaults to 50Agree", async () => {
  const samples = await loadFinancialPhraseBank(LOCAL);
  assert.equal(samples.length, 4846);
  assert.equal(samples[0].id, "financial_phrasebank/50Agree/00000");
});

Deno.test("loadFinancialPhraseBank() decodes ISO-8859-1 bytes as latin-1 characters", async () => {
  // Line 7 of Sentences_AllAgree.txt holds byte 0xF1 (latin-1 "ñ", part of the upstream
  // mojibake "Sepp+ñl+ñ" for Seppälä); UTF-8 decoding would give U+FFFD instead.
  const bytes = await shippedBytes("financial_phrasebank", "Sentences_AllAgree.txt");
  assert.ok(bytes.includes(0xf1));
  const samples = await loadFinancialPhraseBank({ ...LOCAL, agreement: "AllAgree" });
  assert.deepEqual(samples[6], {
    id: "financial_phrasebank/AllAgree/00006",
    text: "Clothing retail chain Sepp+\u00f1l+\u00f1 's sales increased by 8 % to EUR 155.2 mn , " +
      "and operating profit rose to EUR 31.1 mn from EUR 17.1 mn in 2004 .",
    label: "positive",
  });
  const all = await loadFinancialPhraseBank(LOCAL);
  assert.ok(all.every((s) => !s.text.includes("\ufffd") && !s.text.includes("\r")));
  assert.ok(all.some((s) => s.text.includes("\u00e4"))); // "ä" appears in 50Agree too
});

Deno.test("loadFinancialPhraseBank() subsets are nested: every AllAgree sentence is in 50Agree", async () => {
  const strict = await loadFinancialPhraseBank({ ...LOCAL, agreement: "AllAgree" });
  const loose = new Set((await loadFinancialPhraseBank(LOCAL)).map((s) => `${s.text}@${s.label}`));
  assert.ok(strict.every((s) => loose.has(`${s.text}@${s.label}`)));
});

Deno.test("loadFinancialPhraseBank() splits on the last '@' of a line", async () => {
  await withTempDir(async (dir) => {
    const text = new TextDecoder("latin1").decode(
      await shippedBytes("financial_phrasebank", "Sentences_AllAgree.txt"),
    );
    const lines = text.split("\r\n");
    lines[0] = "Contact investors@example.com for the report .@neutral";
    const bytes = Uint8Array.from(lines.join("\r\n"), (c) => c.charCodeAt(0));
    const options = await malformedCopy(
      dir,
      "financial_phrasebank",
      "Sentences_AllAgree.txt",
      bytes,
    );
    const samples = await loadFinancialPhraseBank({ ...options, agreement: "AllAgree" });
    assert.equal(samples.length, 2264);
    assert.equal(samples[0].text, "Contact investors@example.com for the report .");
    assert.equal(samples[0].label, "neutral");
  });
});

Deno.test("loadFinancialPhraseBank() names file, line and value for a line with no '@'", async () => {
  await withTempDir(async (dir) => {
    const text = new TextDecoder("latin1").decode(
      await shippedBytes("financial_phrasebank", "Sentences_66Agree.txt"),
    );
    const lines = text.split("\r\n");
    lines[2] = lines[2].replace("@", " ");
    const bytes = Uint8Array.from(lines.join("\r\n"), (c) => c.charCodeAt(0));
    const options = await malformedCopy(
      dir,
      "financial_phrasebank",
      "Sentences_66Agree.txt",
      bytes,
    );
    await assert.rejects(
      loadFinancialPhraseBank({ ...options, agreement: "66Agree" }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.startsWith("Malformed financial_phrasebank/Sentences_66Agree.txt (") &&
        error.message.includes(
          `at line 3: no '@' separating sentence and label: "${lines[2].slice(0, 60)}`,
        ),
    );
  });
});

Deno.test("loadFinancialPhraseBank() names file, line and value for an unknown label", async () => {
  await withTempDir(async (dir) => {
    const text = new TextDecoder("latin1").decode(
      await shippedBytes("financial_phrasebank", "Sentences_75Agree.txt"),
    );
    const lines = text.split("\r\n");
    lines[99] = lines[99].replace(/@\w+$/, "@mixed");
    const bytes = Uint8Array.from(lines.join("\r\n"), (c) => c.charCodeAt(0));
    const options = await malformedCopy(
      dir,
      "financial_phrasebank",
      "Sentences_75Agree.txt",
      bytes,
    );
    await assert.rejects(
      loadFinancialPhraseBank({ ...options, agreement: "75Agree" }),
      (error: unknown) =>
        error instanceof DatasetError &&
        error.message.includes("Sentences_75Agree.txt") &&
        error.message.includes(
          'at line 100: unknown label (expected negative, neutral, positive): "mixed"',
        ),
    );
  });
});

Deno.test("loadFinancialPhraseBank() rejects an unknown agreement with the available ones", async () => {
  await assert.rejects(
    // @ts-expect-error: testing a bad value from untyped callers
    loadFinancialPhraseBank({ ...LOCAL, agreement: "90Agree" }),
    new RangeError(
      "Unknown Financial PhraseBank agreement '90Agree': available are 50Agree, 66Agree, 75Agree, AllAgree",
    ),
  );
});
