/**
 * A scenario's peak memory does not depend on what ran before it: on the embedded engine every
 * (model, scenario) runs in a fresh worker process (the real engine on stories260K here).
 */
import assert from "node:assert/strict";
import { executePerf, preparePerf } from "../../lib/perf/mod.ts";

const noEnvironment = () => Promise.resolve({ git: { commit: null }, note: "not captured" });

async function peakOf(scenarios: string): Promise<Record<string, number>> {
  const prepared = await preparePerf({
    models: "stories260k",
    scenarios,
    overrides: { runs: 2, warmup: 0 },
    resultsDir: await Deno.makeTempDir({ prefix: "perf-scenario-mem-" }),
  });
  const result = await executePerf(prepared, { captureEnvironment: noEnvironment });
  assert.equal(result.complete, true);
  return Object.fromEntries(result.summaries.map((s) => [s.scenario, s.peak_rss_bytes!]));
}

Deno.test("json_extraction's peak RSS is the same (within 5 %) alone and after summarization", async () => {
  const alone = await peakOf("json_extraction");
  const after = await peakOf("summarization,json_extraction");
  const ratio = after.json_extraction / alone.json_extraction;
  assert.ok(
    Math.abs(ratio - 1) <= 0.05,
    `alone ${(alone.json_extraction / 2 ** 20).toFixed(1)} MiB, after summarization ${
      (after.json_extraction / 2 ** 20).toFixed(1)
    } MiB (summarization itself ${(after.summarization / 2 ** 20).toFixed(1)} MiB)`,
  );
  assert.ok(after.summarization > after.json_extraction, "the long prompt needs more memory");
});
