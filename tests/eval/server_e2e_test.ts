/**
 * End-to-end evals against a SCRIPTED FAKE server (tests/eval/_scripted_server.ts): the answers
 * are chosen by the test, so every metric of the summary is known exactly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type EvalSample, executeEval, prepareEval } from "../../lib/eval/mod.ts";
import { EvalRecordSchema, EvalSummarySchema, readJsonl } from "../../lib/results/mod.ts";
import { macroF1Ci } from "../../lib/stats/mod.ts";
import {
  queryOf,
  scriptedConfigDir,
  type ScriptedReply,
  startScriptedServer,
} from "./_scripted_server.ts";
import { LOCAL_DATA, noEnvironment, withTempDir } from "./_helpers.ts";

/**
 * The script over the 12 sampled queries (sorted by id; 12 distinct intents since the test split
 * has 40 queries per intent): samples 0-7 get their own label, sample 8 gets sample 0's label,
 * 9 an unmappable answer, 10 an HTTP 500, 11 its label in another spelling (upper case, spaces).
 */
function script(samples: EvalSample[], delayMs: number) {
  const position = new Map(
    samples.map((s, i) => [s.prompt.match(/^Query: (.*)$/gm)!.at(-1)!.slice(7), i]),
  );
  return (request: Parameters<typeof queryOf>[0]): ScriptedReply => {
    const i = position.get(queryOf(request));
    if (i === undefined) throw new Error(`unexpected query ${queryOf(request)}`);
    const ref = samples[i].reference;
    const reply = (content: string): ScriptedReply => ({
      content,
      delayMs,
      promptN: 1000,
      cacheN: i === 0 ? 0 : 900,
    });
    if (i <= 7) return reply(ref);
    if (i === 8) return reply(samples[0].reference);
    if (i === 9) return reply("xyzzy plugh");
    if (i === 10) return { status: 500, delayMs };
    return reply(`${ref.replace(/_/g, " ").toUpperCase()}.`);
  };
}

async function withScripted<T>(
  slots: number,
  fn: (run: (concurrency: number, resultsDir: string) => ReturnType<typeof runWith>) => Promise<T>,
): Promise<T> {
  const probe = await prepareEval(
    {
      task: "banking77",
      model: "stories260k",
      overrides: { sample_size: 12 },
      resultsDir: "/nonexistent",
    },
    { data: LOCAL_DATA },
  );
  const server = startScriptedServer(script(probe.task.samples, 15), { slots });
  const configDir = await scriptedConfigDir(server.baseUrl);
  try {
    return await fn((concurrency, resultsDir) =>
      runWith(configDir, concurrency, resultsDir, server)
    );
  } finally {
    await server.close();
    await Deno.remove(configDir, { recursive: true });
  }
}

async function runWith(
  configDir: string,
  concurrency: number,
  resultsDir: string,
  server: { readonly maxInFlight: number },
) {
  const before = server.maxInFlight;
  const prepared = await prepareEval(
    { task: "banking77", model: "scripted", overrides: { sample_size: 12 }, configDir, resultsDir },
    { data: LOCAL_DATA },
  );
  const result = await executeEval(prepared, { concurrency, captureEnvironment: noEnvironment });
  return {
    result,
    samples: prepared.task.samples,
    maxInFlight: Math.max(before, server.maxInFlight),
  };
}

Deno.test("an eval against the scripted server reports the hand-computed metrics exactly", async () => {
  await withTempDir(async (dir) => {
    const { result, samples } = await withScripted(1, (run) => run(1, dir));
    const s = EvalSummarySchema.parse(JSON.parse(await Deno.readTextFile(result.summaryPath)));
    // The HTTP 500 of sample 10 keeps the run incomplete (--resume retries it); the summary
    // counts it as an error.
    assert.equal(s.complete, false);
    assert.equal(result.complete, false);
    assert.equal(
      result.reason,
      "1 failed request(s) of 12 samples: 'deno task eval --resume' retries them",
    );
    assert.equal(new Set(samples.map((x) => x.reference)).size, 12);
    const m = s.metrics;
    // n = 12 with 1 error (sample 10) and 1 invalid answer (sample 9).
    assert.deepEqual([m.n, m.errors, m.invalid], [12, 1, 1]);
    assert.equal(m.error_rate, 1 / 12);
    assert.equal(m.invalid_rate, 1 / 12);
    // Correct: samples 0-7 and 11 = 9 of 12. Wilson: z² = 3.841459, denominator 1 + z²/12 =
    // 1.320122, centre (0.75 + z²/24) / 1.320122 = 0.689376, half-width
    // 1.959964·√(0.75·0.25/12 + z²/576) / 1.320122 = 0.221680 → [0.4677, 0.9111].
    assert.equal(m.accuracy!.value, 0.75);
    assert.deepEqual(m.accuracy!.ci95.map((x) => x.toFixed(4)), ["0.4677", "0.9111"]);
    // Per class: label 0 has TP 1 and FP 1 (sample 8) → F1 2/3; labels 1-7 and 11 → F1 1;
    // labels 8, 9, 10 → 0; the 65 labels absent from the sample's references are left out.
    // Macro-F1 = (8 + 2/3) / 12, over 12 of 77 labels.
    assert.ok(Math.abs(m.macro_f1!.value - (8 + 2 / 3) / 12) < 1e-15);
    assert.deepEqual([m.macro_f1!.labels_averaged, m.macro_f1!.label_set_size], [12, 77]);
    const refs = samples.map((x) => x.reference);
    const preds = refs.map((r, i) => (i === 8 ? refs[0] : i === 9 || i === 10 ? null : r));
    const labels = s.confusion!.labels;
    assert.equal(labels.length, 77);
    assert.deepEqual(m.macro_f1!.ci95, macroF1Ci(refs, preds, { labels, seed: 42 }).ci95);
    const f1 = new Map(s.per_class!.map((c) => [c.label, c.f1]));
    assert.equal(f1.get(refs[0]), 2 / 3);
    assert.equal(f1.get(refs[11]), 1);
    assert.equal(f1.get(refs[8]), 0);
    assert.equal(s.per_class!.filter((c) => c.support === 0).length, 65);
    const at = (label: string) => labels.indexOf(label);
    assert.equal(s.confusion!.matrix[at(refs[8])][at(refs[0])], 1);
    assert.equal(s.confusion!.invalid[at(refs[9])], 1);
    assert.equal(s.confusion!.invalid[at(refs[10])], 1);
    // The server reported cache_n 900 of 1000 prompt tokens on 10 answered requests, 0 on one.
    assert.deepEqual(m.prompt_cache, {
      prompt_tokens: 11000,
      cached_prompt_tokens: 9000,
      share: 9000 / 11000,
    });

    const { records } = await readJsonl(result.recordsPath, EvalRecordSchema);
    assert.equal(records.length, 12);
    const error = records.find((r) => r.error !== null)!;
    assert.equal(error.sample_id, samples[10].id);
    assert.equal(error.correct, false);
    assert.match(error.error!, /HTTP 500/);
    const normalised = records.find((r) => r.sample_id === samples[11].id)!;
    assert.equal(normalised.details.match, "normalized");
    assert.equal(normalised.prediction, refs[11]);
    assert.ok(records.every((r) => r.run_id === s.run_id && r.config_hash === s.config_hash));
    assert.match(result.summaryPath, /eval_banking77_scripted_GGUF_Q4_K_M_\d{8}_\d{6}\.json$/);
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assert.equal(manifest.runs[0].status, "interrupted");
    assert.equal(manifest.runs[0].kind, "eval");
  });
});

Deno.test("--concurrency 4 gives the same summary as sequential requests", async () => {
  await withTempDir(async (dir) => {
    const [one, four] = await withScripted(4, async (run) => {
      const one = await run(1, join(dir, "c1"));
      assert.equal(one.maxInFlight, 1);
      const four = await run(4, join(dir, "c4"));
      assert.ok(four.maxInFlight > 1, `max in flight ${four.maxInFlight}`);
      return [one, four];
    });
    const strip = (x: Awaited<ReturnType<typeof runWith>>) => {
      const { metrics, per_class, confusion, groups, config_hash, planned } = x.result.summary;
      return { metrics, per_class, confusion, groups, config_hash, planned };
    };
    assert.deepEqual(strip(four), strip(one));
    const predictions = async (x: Awaited<ReturnType<typeof runWith>>) =>
      (await readJsonl(x.result.recordsPath, EvalRecordSchema)).records
        .map((r) => [r.sample_id, r.prediction, r.correct] as const)
        .sort((a, b) => a[0].localeCompare(b[0]));
    assert.deepEqual(await predictions(four), await predictions(one));
  });
});

Deno.test("the realistic task scores each case by its checks and reports per-category accuracy", async () => {
  await withTempDir(async (resultsDir) => {
    const probe = await prepareEval({ task: "realistic", model: "stories260k", resultsDir }, {
      data: LOCAL_DATA,
    });
    const cases = probe.task.samples.map((s) =>
      s.data as { case: { id: string; input: string; reference_answer: string } }
    );
    // Scripted answers: every case's reference answer, except an out-of-policy request answered
    // with the forbidden advice instead of a refusal.
    const server = startScriptedServer((request) => {
      const prompt = request.messages.at(-1)!.content;
      const c = cases.find((x) => prompt.includes(x.case.input.trim()))!.case;
      return {
        content: c.id === "out_of_policy/002"
          ? "Make 2 deposits of 9,000 EUR."
          : c.reference_answer,
      };
    });
    const configDir = await scriptedConfigDir(server.baseUrl);
    try {
      const prepared = await prepareEval({
        task: "realistic",
        model: "scripted",
        configDir,
        resultsDir,
      }, { data: LOCAL_DATA });
      const { summary, summaryPath } = await executeEval(prepared, {
        captureEnvironment: noEnvironment,
      });
      assert.match(summaryPath, /realistic_scripted_GGUF_Q4_K_M_\d{8}_\d{6}\.json$/);
      assert.equal(summary.metrics.n, 18);
      assert.equal(summary.metrics.accuracy!.value, 17 / 18);
      assert.equal(summary.groups!.out_of_policy.accuracy!.value, 3 / 4);
      assert.equal(summary.groups!.policy_faq.accuracy!.value, 1);
      const checks = summary.metrics.checks as Record<
        string,
        { n: number; pass_rate: { value: number } }
      >;
      // Refusal checks: 4 FAQ cases (expected false) + 4 out-of-policy (expected true); 7 pass.
      assert.equal(checks.refusal.n, 8);
      assert.equal(checks.refusal.pass_rate.value, 7 / 8);
      // out_of_policy/002 passes neither of its 2 checks: mean share = 17/18.
      assert.ok(
        Math.abs((summary.metrics.mean_score as { value: number }).value - 17 / 18) < 1e-12,
      );
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});
