import assert from "node:assert/strict";
import { join } from "node:path";
import { PerfRecordSchema, readJsonl } from "../../lib/results/mod.ts";
import { loadResults, performanceTable } from "../../lib/report/mod.ts";
import { runCli } from "../helpers/mod.ts";

const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    runner: "fllama",
    device: "iPhone 15 Pro",
    model_id: "qwen/qwen3-vl-4b",
    quantization: "Q4_K_M",
    scenario: "interactive_assistant",
    repetition: 0,
    ttft_ms: 400,
    e2e_ms: 2400,
    output_tokens: 101,
    prompt_tokens: 200,
    peak_rss_bytes: 3_000_000_000,
    timestamp: "2026-11-20T10:00:00.000Z",
    ...over,
  });

Deno.test("deno task import turns an fllama JSONL into perf records that join the report tables", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "phone.jsonl");
  await Deno.writeTextFile(
    file,
    [
      line({ warmup: true, ttft_ms: 900, e2e_ms: 3900 }),
      line({ repetition: 0 }),
      line({ repetition: 1, ttft_ms: 600, e2e_ms: 2600 }),
    ].join("\n") + "\n",
  );
  const results = join(dir, "results");
  const out = await runCli("lib/cli/import.ts", ["--file", file, "--results-dir", results]);
  assert.equal(out.code, 0, out.stderr);
  const perf = [...Deno.readDirSync(results)].filter((e) => e.name.startsWith("perf_"));
  assert.equal(perf.length, 1);
  assert.match(
    perf[0].name,
    /^perf_fllama_qwen_qwen3-vl-4b_GGUF_Q4_K_M_interactive_assistant_\d{8}_\d{6}\.jsonl$/,
  );
  const { records } = await readJsonl(join(results, perf[0].name), PerfRecordSchema);
  assert.equal(records.length, 3);
  const r = records[1];
  assert.equal(r.backend, "external");
  assert.equal(r.runner, "fllama");
  assert.equal(r.host, "iPhone 15 Pro");
  assert.equal(r.model_key, "fllama:qwen/qwen3-vl-4b");
  // decode = 2400 - 400 = 2000 ms over 100 intervals: TPOT 20 ms, 50 tokens/s; prefill 200/0.4 s.
  assert.equal(r.tpot_ms, 20);
  assert.equal(r.output_tokens_per_s, 50);
  assert.equal(r.prefill_tokens_per_s, 500);
  const table = performanceTable(await loadResults(results));
  assert.equal(table.length, 1);
  assert.equal(table[0].runner, "fllama");
  assert.equal(table[0].n, 2, "the warm-up is excluded");
  assert.equal(table[0].ttft_ms, 500);
});

Deno.test("an external line that breaks the schema is refused naming file:line, field and value; nothing is written", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "bad.jsonl");
  await Deno.writeTextFile(file, line() + "\n" + line({ ttft_ms: "fast" }) + "\n");
  const results = join(dir, "results");
  const out = await runCli("lib/cli/import.ts", ["--file", file, "--results-dir", results]);
  assert.equal(out.code, 2, out.stderr);
  assert.ok(out.stderr.includes(`${file}:2`), out.stderr);
  assert.ok(out.stderr.includes("'ttft_ms'") && out.stderr.includes('"fast"'), out.stderr);
  await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
  await Deno.writeTextFile(file, line({ tokens_per_sec: 12 }) + "\n");
  const unknown = await runCli("lib/cli/import.ts", ["--file", file, "--results-dir", results]);
  assert.equal(unknown.code, 2);
  assert.ok(unknown.stderr.includes("tokens_per_sec"), unknown.stderr);
});
