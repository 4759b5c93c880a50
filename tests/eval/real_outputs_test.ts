// deno-lint-ignore-file no-console
/**
 * The answer-to-label mapping on what real models write: every answer of the real-output corpus
 * (tests/fixtures/real_outputs, SmolLM2-135M-Instruct and Gemma 3 270M on the project's own task
 * prompts) goes through the task's scorer and must come out as the label, letter or number a
 * careful reader assigned by reading it, or invalid for the same reason. The agreement and the
 * resulting accuracy and invalid rates are printed.
 */
import assert from "node:assert/strict";
import {
  buildTask,
  type EvalSample,
  type EvalTask,
  invalidReason,
  loadTasksConfig,
  resolveTask,
} from "../../lib/eval/mod.ts";
import { INVALID_REASONS, type InvalidReason } from "../../lib/results/mod.ts";
import { VARIANTS } from "../fixtures/real_outputs/generate.ts";
import { LOCAL_DATA, REAL_OUTPUTS } from "./_helpers.ts";

/** One corpus entry (see tests/fixtures/real_outputs/SOURCE.md for every field). */
interface Entry {
  id: string;
  model_key: string;
  model_sha256: string;
  prompt_sha256: string;
  variant: string;
  kind: "banking77" | "financial_phrasebank" | "mmlu" | "gsm8k";
  sample_id: string;
  choices?: string[];
  reference: string;
  raw_output: string;
  finish_reason: string | null;
  error: string | null;
  reader_label: string | null;
  reader_reason: InvalidReason | null;
  reader_note?: string | null;
}

const corpus: Entry[] = (await Deno.readTextFile(REAL_OUTPUTS)).split("\n")
  .filter((l) => l.trim() !== "").map((l) => JSON.parse(l));

// The samples the answers were given, rebuilt as the generator built them: the scorers see the
// same sample (prompt, options) as in a run.
const { file, tasks } = await loadTasksConfig();
const built = new Map<string, EvalTask>();
for (const variant of new Set(corpus.map((e) => e.variant))) {
  const v = VARIANTS[variant];
  const resolved = await resolveTask(tasks, v.task, { file, overrides: v.overrides });
  built.set(variant, await buildTask(resolved, { seed: 42, data: LOCAL_DATA }));
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sampleOf(e: Entry): EvalSample {
  const sample = built.get(e.variant)!.samples.find((s) => s.id === e.sample_id);
  if (!sample) throw new Error(`${e.id}: sample not in the rebuilt task`);
  return sample;
}

/** What the task's scorer makes of an entry: its prediction (or "invalid") and the cause. */
async function read(e: Entry): Promise<{ label: string; reason: InvalidReason | null }> {
  const score = await built.get(e.variant)!.scorer(e.raw_output, sampleOf(e), {
    finishReason: e.finish_reason,
  });
  const reason = invalidReason({
    error: e.error,
    valid: score.valid,
    scorerReason: score.invalidReason,
    rawOutput: e.raw_output,
    finishReason: e.finish_reason,
  });
  return { label: score.prediction ?? "invalid", reason };
}

Deno.test("the corpus answers the prompts the tasks build today", async () => {
  const changed: string[] = [];
  for (const e of corpus) {
    const s = sampleOf(e);
    if (await sha256Hex(`${s.system ?? ""}\n\n${s.prompt}`) !== e.prompt_sha256) changed.push(e.id);
  }
  assert.deepEqual(
    changed,
    [],
    "prompts changed since the corpus was made: regenerate it (tests/fixtures/real_outputs/generate.ts) and label the new answers",
  );
});

Deno.test("the real-output corpus holds a few hundred labelled answers of two real models", () => {
  assert.ok(corpus.length >= 300, `${corpus.length} answers`);
  assert.deepEqual(
    [...new Set(corpus.map((e) => e.model_key))].sort(),
    ["gemma3_270m", "smollm2_135m_instruct"],
  );
  assert.deepEqual(
    [...new Set(corpus.map((e) => e.kind))].sort(),
    ["banking77", "financial_phrasebank", "gsm8k", "mmlu"],
  );
  assert.equal(new Set(corpus.map((e) => e.id)).size, corpus.length);
  const unlabelled = corpus.filter((e) =>
    e.reader_label === null ||
    (e.reader_label === "invalid") !== (e.reader_reason !== null) ||
    (e.reader_reason !== null && !INVALID_REASONS.includes(e.reader_reason))
  );
  assert.deepEqual(unlabelled.map((e) => e.id), [], "every answer needs a reader label");
});

Deno.test("every real answer maps to the label a careful reader gave it", async () => {
  const disagreements: string[] = [];
  const byVariant = new Map<string, { n: number; agree: number }>();
  for (const e of corpus) {
    const got = await read(e);
    const key = `${e.model_key} ${e.variant}`;
    const v = byVariant.get(key) ?? { n: 0, agree: 0 };
    v.n++;
    if (got.label === e.reader_label && got.reason === e.reader_reason) {
      v.agree++;
    } else {
      disagreements.push(
        `${e.id}: ${JSON.stringify(e.raw_output.slice(0, 120))} → ${got.label}` +
          `${got.reason ? ` (${got.reason})` : ""}, reader: ${e.reader_label}` +
          `${e.reader_reason ? ` (${e.reader_reason})` : ""}`,
      );
    }
    byVariant.set(key, v);
  }
  const total = [...byVariant.values()].reduce((s, v) => s + v.agree, 0);
  console.log(`Agreement with the reader: ${total}/${corpus.length}`);
  for (const [key, v] of byVariant) console.log(`  ${key.padEnd(56)} ${v.agree}/${v.n}`);
  assert.deepEqual(disagreements, []);
});

Deno.test("the corpus gives each model's accuracy, invalid rate and commonest invalid causes", async () => {
  const rows: string[] = [];
  const groups = Map.groupBy(corpus, (e) => `${e.model_key} ${e.variant}`);
  for (const [key, entries] of groups) {
    const reads = await Promise.all(entries.map(read));
    const correct = reads.filter((r, i) => r.label === entries[i].reference).length;
    const causes = Map.groupBy(reads.filter((r) => r.reason !== null), (r) => r.reason!);
    const top = [...causes].sort((a, b) => b[1].length - a[1].length).slice(0, 3)
      .map(([c, list]) => `${c} ${list.length}`).join(", ");
    const invalid = reads.filter((r) => r.reason !== null).length;
    rows.push(
      `  ${key.padEnd(56)} n=${String(entries.length).padStart(3)} accuracy ${
        (correct / entries.length).toFixed(3)
      } invalid ${(invalid / entries.length).toFixed(3)}${top ? ` (${top})` : ""}`,
    );
    // The reader's labels give the same figures: the mapping neither adds nor loses answers.
    const readerCorrect = entries.filter((e) => e.reader_label === e.reference).length;
    assert.equal(correct, readerCorrect, key);
  }
  console.log(["Accuracy and invalid rate on the corpus:", ...rows].join("\n"));
});
