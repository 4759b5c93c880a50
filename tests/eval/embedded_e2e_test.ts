/**
 * End-to-end evals on the embedded engine with stories260K (a 260K-parameter TinyStories model:
 * its accuracy is near zero, so these tests check the pipeline, records, summary and resume, not
 * the score). The GGUF file is the one the repository ships in data/models.
 */
import assert from "node:assert/strict";
import { executeEval, prepareEval } from "../../lib/eval/mod.ts";
import { EvalRecordSchema, EvalSummarySchema, readJsonl } from "../../lib/results/mod.ts";
import { LOCAL_DATA, noEnvironment, testEnv, withTempDir } from "./_helpers.ts";

Deno.test("a banking77 eval on stories260K stops, resumes and records every sample once", async () => {
  await withTempDir(async (resultsDir) => {
    const request = {
      task: "banking77",
      model: "stories260k",
      overrides: { sample_size: 6 },
      resultsDir,
    };
    const first = await prepareEval(request, { data: LOCAL_DATA, env: testEnv });
    const controller = new AbortController();
    const stopped = await executeEval(first, {
      signal: controller.signal,
      backend: { env: testEnv },
      captureEnvironment: noEnvironment,
      onEvent: (e) => {
        if (e.type === "sample_done" && e.done >= 3) controller.abort();
      },
    });
    assert.equal(stopped.complete, false);
    assert.equal(stopped.reason, "interrupted");
    assert.equal(stopped.summary.metrics.n, 3);
    assert.equal(stopped.summary.complete, false);

    const second = await prepareEval({ ...request, resume: true }, {
      data: LOCAL_DATA,
      env: testEnv,
    });
    assert.equal(second.resumed, true);
    assert.equal(second.plan.runId, first.plan.runId);
    const events: string[] = [];
    const done = await executeEval(second, {
      backend: { env: testEnv },
      captureEnvironment: noEnvironment,
      onEvent: (e) =>
        events.push(e.type === "start" ? `start ${e.alreadyDone}/${e.planned}` : e.type),
    });
    assert.equal(done.complete, true);
    assert.deepEqual(events, ["start 3/6", "sample_done", "sample_done", "sample_done"]);

    const { records } = await readJsonl(done.recordsPath, EvalRecordSchema);
    assert.deepEqual(
      records.map((r) => r.sample_id).sort(),
      first.task.samples.map((s) => s.id).sort(),
    );
    for (const r of records) {
      assert.equal(r.backend, "embedded");
      assert.equal(r.token_count_source, "engine");
      assert.ok(r.prompt_tokens! > 500, `prompt tokens ${r.prompt_tokens}`);
      assert.ok(r.latency_ms! > 0);
      assert.equal(r.error, null);
      assert.equal(typeof r.correct, "boolean");
    }
    const summary = EvalSummarySchema.parse(JSON.parse(await Deno.readTextFile(done.summaryPath)));
    assert.equal(summary.metrics.n, 6);
    assert.ok(summary.metrics.accuracy!.value >= 0 && summary.metrics.accuracy!.value <= 1);
    assert.ok(summary.metrics.accuracy!.ci95[1] > summary.metrics.accuracy!.value);
    assert.equal(summary.per_class!.length, 77);
    assert.equal(summary.latency_ms.mean.value! > 0, true);
  });
});

Deno.test("a summarization eval on stories260K adds embedding_cosine from an embedding model", async () => {
  await withTempDir(async (resultsDir) => {
    const prepared = await prepareEval(
      {
        task: "summarization",
        model: "stories260k",
        overrides: { sample_size: 2, embedding_model: "stories260k" },
        resultsDir,
      },
      { data: LOCAL_DATA, env: testEnv },
    );
    const result = await executeEval(prepared, {
      backend: { env: testEnv },
      captureEnvironment: noEnvironment,
    });
    const m = result.summary.metrics as Record<string, { value: number; ci95: [number, number] }>;
    for (const name of ["rouge1", "rouge2", "rougeL", "embedding_cosine", "mean_score"]) {
      assert.ok(m[name].value >= -1 && m[name].value <= 1, `${name}: ${JSON.stringify(m[name])}`);
    }
    assert.equal(result.summary.metrics.accuracy, undefined);
    assert.equal(result.summary.settings.embedding_model, "stories260k");
    const { records } = await readJsonl(result.recordsPath, EvalRecordSchema);
    for (const r of records.filter((x) => x.raw_output.trim() !== "")) {
      assert.equal(typeof r.scores.embedding_cosine, "number");
    }
  });
});

Deno.test("an embedded banking77 eval takes at least 90 % of its prompt tokens from the cache and says so in its summary", async () => {
  await withTempDir(async (resultsDir) => {
    const prepared = await prepareEval(
      { task: "banking77", model: "stories260k", overrides: { sample_size: 20 }, resultsDir },
      { data: LOCAL_DATA, env: testEnv },
    );
    const done = await executeEval(prepared, {
      backend: { env: testEnv },
      captureEnvironment: noEnvironment,
    });
    const cache = done.summary.metrics.prompt_cache as {
      prompt_tokens: number;
      cached_prompt_tokens: number;
      share: number;
    };
    assert.ok(cache.share >= 0.9, `cache share ${cache.share}`);
    assert.equal(done.summary.settings.prompt_cache, "warm");
    const { records } = await readJsonl(done.recordsPath, EvalRecordSchema);
    // The first sample evaluates the whole prompt; later ones only what follows the shared prefix.
    const first = records.find((r) => r.cached_prompt_tokens === 0);
    assert.ok(first, "one sample started from an empty cache");
    assert.equal(records.filter((r) => r.cached_prompt_tokens! > 0).length, 19);
  });
});
