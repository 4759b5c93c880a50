/**
 * The compiled schema check the report's loader uses on millions of records agrees with zod:
 * whatever it accepts, zod accepts with the same output (defaults filled), and it accepts the
 * records this project writes, so zod runs only on the lines that need it. Checked on a full
 * perf record (every optional part present) and on thousands of seeded mutations of it.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { fastCheck, fastParse, PerfRecordSchema } from "../../lib/results/mod.ts";
import { seededRandom } from "../../lib/stats/mod.ts";
import { perfRecord } from "../report/_fixtures.ts";

/** A record with every nested part the schema knows (timings, window, chunks, sweep, energy). */
function fullRecord(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(perfRecord({
    server_timings: {
      source: "llama-server",
      ttft_ms: 12.5,
      prompt_ms: 10,
      decode_ms: 200,
      prompt_tokens: 30,
      output_tokens: 20,
      cached_prompt_tokens: 0,
      output_tokens_per_s: 100,
      raw: { prompt_n: 30, predicted_per_second: 100.2 },
    },
    batch_window: { id: 1764590000000000, size: 2, sent_ms: 1.5, end_ms: 900.25 },
    chunk_offsets_ms: [100, 120.5, 141],
    chunk_tokens: [1, 1, 2],
    chunk_token_source: "events",
    multi_token_chunks: 1,
    sweep: {
      prompt_tokens_target: 256,
      output_tokens_target: 64,
      prompt_token_method: "engine",
      prompt_exact: true,
      context_size: 2048,
    },
    energy: {
      source: "rapl",
      joules: 3.5,
      joules_per_token: 0.07,
      domains: { "package-0": 3.5 },
      coverage: 1,
      mean_watts: 4.1,
    },
    settings: { threads: 2, flash_attention: false },
    round_id: "baseline",
  })));
}

/** Values of every kind a field can be mutated to. */
const ODD: unknown[] = [
  null,
  undefined,
  -1,
  0,
  0.5,
  1,
  2.5,
  1e300,
  -0,
  "",
  "x",
  "GGUF",
  "2025-11-23T10:00:00.000Z",
  "2025-13-45T10:00:00Z",
  "a".repeat(64),
  true,
  false,
  [],
  [1, -2],
  [0.5, 3],
  {},
  { source: "rapl" },
];

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let o = target as Record<string, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
}

/** zod's output with the unknown keys the fast check keeps removed (zod strips them). */
function agree(schema: z.ZodType, value: Record<string, unknown>): "fast" | "zod" | "bad" {
  const copy = structuredClone(value);
  const parsed = schema.safeParse(copy);
  const accepted = fastCheck(schema)(value);
  if (accepted) {
    assert.ok(parsed.success, `fast check accepted what zod refuses: ${JSON.stringify(value)}`);
    const known = Object.fromEntries(
      Object.keys(parsed.data as object).map((k) => [k, value[k]]),
    );
    assert.deepEqual(known, parsed.data, "the fast check's value is zod's output");
    return "fast";
  }
  return parsed.success ? "zod" : "bad";
}

Deno.test("fastCheck() accepts a full perf record as zod does, with the same defaults filled", () => {
  assert.equal(agree(PerfRecordSchema, fullRecord()), "fast");
  // Fields with a default, absent: filled exactly as zod fills them.
  const bare = fullRecord();
  for (const k of ["runner", "attempt", "cache_mode", "concurrency", "chunk_tokens", "sweep"]) {
    delete bare[k];
  }
  assert.equal(agree(PerfRecordSchema, bare), "fast");
  assert.deepEqual(
    [bare.runner, bare.attempt, bare.cache_mode, bare.concurrency, bare.chunk_tokens, bare.sweep],
    ["edge-slm-bench", 0, "cold", 1, null, null],
  );
});

Deno.test("fastCheck() never accepts a mutated perf record that zod refuses (5,000 seeded mutations of every field)", () => {
  const random = seededRandom(7);
  const base = fullRecord();
  const all = paths(base);
  const outcomes = { fast: 0, zod: 0, bad: 0 };
  for (let i = 0; i < 5000; i++) {
    const value = structuredClone(base);
    // One to three fields changed at once.
    for (let j = 0, k = 1 + Math.floor(random() * 3); j < k; j++) {
      const path = all[Math.floor(random() * all.length)];
      try {
        setAt(value, path, structuredClone(ODD[Math.floor(random() * ODD.length)]));
      } catch {
        // The parent was replaced by a scalar in an earlier change of this record.
      }
    }
    outcomes[agree(PerfRecordSchema, value)]++;
  }
  // Both kinds occur, so the test saw acceptances and refusals; what zod alone accepted is rare.
  assert.ok(outcomes.fast > 500 && outcomes.bad > 1500, JSON.stringify(outcomes));
  assert.ok(outcomes.zod < outcomes.fast / 10, JSON.stringify(outcomes));
});

Deno.test("fastCheck() leaves what it does not know to zod (a refinement, a transform)", () => {
  const refined = z.object({ n: z.number().refine((v) => v !== 3) });
  assert.equal(fastCheck(refined)({ n: 4 }), false);
  assert.equal(refined.safeParse({ n: 4 }).success, true);
  const transformed = z.object({ s: z.string().transform((v) => v.length) });
  assert.equal(fastCheck(transformed)({ s: "abc" }), false);
  // A format schema is its own check: z.iso.datetime() on the timestamp.
  for (const timestamp of ["", "2025-13-45T10:00:00Z", "yesterday"]) {
    assert.equal(fastCheck(PerfRecordSchema)({ ...fullRecord(), timestamp }), false, timestamp);
  }
  // The number rules zod 4 applies: finite only, safe integers for int().
  const n = z.object({ a: z.number(), b: z.number().int() });
  for (
    const v of [{ a: Infinity, b: 1 }, { a: NaN, b: 1 }, { a: 1, b: 2 ** 60 }, { a: 1, b: 1.5 }]
  ) {
    assert.equal(fastCheck(n)(v), false);
    assert.equal(n.safeParse(v).success, false);
  }
});

Deno.test("fastParse() returns exactly zod's output: strict about unknown keys (zod strips them), zod's error on a bad value", () => {
  const random = seededRandom(11);
  const base = fullRecord();
  const all = paths(base);
  let fast = 0;
  for (let i = 0; i < 2000; i++) {
    const value = structuredClone(base);
    const path = all[Math.floor(random() * all.length)];
    try {
      setAt(value, path, structuredClone(ODD[Math.floor(random() * ODD.length)]));
    } catch { /* parent replaced */ }
    // Every fifth record gets a key its schema does not name, at the top or inside an object.
    if (i % 5 === 0) {
      const objects = all.filter((p) => {
        let o: unknown = value;
        for (const k of p) o = (o as Record<string, unknown> | null)?.[k];
        return o !== null && typeof o === "object" && !Array.isArray(o);
      });
      const at = i % 10 === 0 || objects.length === 0
        ? []
        : objects[Math.floor(random() * objects.length)];
      setAt(value, [...at, "extra_key"], 1);
    }
    const zod = PerfRecordSchema.safeParse(structuredClone(value));
    if (fastCheck(PerfRecordSchema, { strict: true })(structuredClone(value))) fast++;
    if (zod.success) assert.deepEqual(fastParse(PerfRecordSchema, value), zod.data);
    else {
      assert.throws(
        () => fastParse(PerfRecordSchema, value),
        (e: unknown) => e instanceof Error && e.name === "ZodError",
      );
    }
  }
  assert.ok(fast > 200, `${fast} vouched for`);
  // What the perf runner writes (every part present) takes the fast path, strictly too.
  assert.equal(fastCheck(PerfRecordSchema, { strict: true })(fullRecord()), true);
  // An unknown key: the strict check leaves it to zod, which strips it.
  const extra = { ...fullRecord(), extra_key: 1 };
  assert.equal(fastCheck(PerfRecordSchema)(structuredClone(extra)), true);
  assert.equal(fastCheck(PerfRecordSchema, { strict: true })(structuredClone(extra)), false);
  assert.equal("extra_key" in fastParse(PerfRecordSchema, extra), false);
});
