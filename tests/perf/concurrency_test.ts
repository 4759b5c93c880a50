/**
 * Concurrency sweeps: one unit per level (`@c<N>` in the manifest), the embedded engine (the real
 * stories260K engine) given as many context sequences as requests in flight, one summary per level
 * with its aggregate throughput and percentiles, and the throughput–latency curve with its knee.
 */
import assert from "node:assert/strict";
import {
  executePerf,
  kneeIndex,
  type PerfEvent,
  preparePerf,
  throughputLatencyCurve,
  unitKey,
} from "../../lib/perf/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";
import type { PerfRecord } from "../../lib/results/mod.ts";
import { writeTestConfig } from "../helpers/mod.ts";

const noEnvironment = () => Promise.resolve({ git: { commit: null }, note: "not captured" });

Deno.test("kneeIndex() finds where throughput stops paying for latency, and none on too short or flat curves", () => {
  assert.equal(kneeIndex([100, 190, 260, 270], [20, 22, 30, 60]), 2);
  assert.equal(
    kneeIndex([100, 200, 300, 400], [10, 20, 30, 40]),
    null,
    "a straight line has no knee",
  );
  assert.equal(kneeIndex([100, 200], [10, 50]), null, "two levels are not a curve");
  assert.equal(kneeIndex([100, 100, 100], [10, 20, 30]), null, "no throughput spread");
});

Deno.test("preparePerf() refuses a concurrency level that is not a whole number from 1 to 256", async () => {
  await assert.rejects(
    preparePerf({ models: "stories260k", scenarios: "interactive_assistant", concurrency: [1, 0] }),
    (e: unknown) => e instanceof ConfigError && /--concurrency/.test((e as Error).message),
  );
});

Deno.test("a concurrency sweep on the embedded engine runs each level with that many requests in flight and sequences to batch them", async () => {
  const configDir = await writeTestConfig(await Deno.makeTempDir({ prefix: "perf-conc-cfg-" }));
  await Deno.writeTextFile(
    `${configDir}/scenarios.yaml`,
    (await Deno.readTextFile(`${configDir}/scenarios.yaml`)) + `
  short_answer:
    description: The interactive question with a short answer
    system_prompt_file: data/prompts/banking_assistant_system.txt
    prompt_file: data/prompts/interactive_assistant.txt
    max_tokens: 16
`,
  );
  const prepared = await preparePerf({
    models: "stories260k",
    scenarios: "short_answer",
    concurrency: [4, 1, 2, 2],
    overrides: { runs: 8, warmup: 0 },
    configDir,
    resultsDir: await Deno.makeTempDir({ prefix: "perf-conc-res-" }),
  });
  assert.deepEqual(prepared.plan.units.map(unitKey), [
    "stories260k/short_answer@c1",
    "stories260k/short_answer@c2",
    "stories260k/short_answer@c4",
  ]);
  assert.deepEqual(prepared.run.plan.concurrency, [1, 2, 4]);
  const events: PerfEvent[] = [];
  const result = await executePerf(prepared, {
    onEvent: (e) => events.push(e),
    captureEnvironment: noEnvironment,
  });
  assert.equal(result.complete, true, JSON.stringify(result.failures));
  assert.deepEqual(Object.keys(result.files).sort(), prepared.plan.units.map(unitKey));
  const records = events.filter((e) => e.type === "request_done").map((e) =>
    (e as { record: PerfRecord }).record
  );
  for (const level of [1, 2, 4]) {
    const mine = records.filter((r) => r.concurrency === level);
    assert.equal(mine.length, 8, `level ${level}`);
    // Requests of a window are sent together: `level` per window.
    const windows = new Map<number, number>();
    for (const r of mine) {
      windows.set(r.batch_window!.id, (windows.get(r.batch_window!.id) ?? 0) + 1);
    }
    assert.deepEqual([...new Set(windows.values())], [level]);
    // Each level runs in its own process, its engine with a sequence per request in flight.
    assert.equal(mine[0].settings?.sequences, level);
  }
  assert.deepEqual(result.summaries.map((s) => s.concurrency), [1, 2, 4]);
  for (const s of result.summaries) {
    assert.equal(s.n, 8);
    assert.ok(s.aggregate_output_tokens_per_s!.value! > 0);
    assert.ok(s.latency.ttft_ms.p50.value! > 0);
  }
  const curve = throughputLatencyCurve(result.summaries);
  assert.deepEqual(curve.map((p) => p.concurrency), [1, 2, 4]);
  assert.ok(curve.filter((p) => p.knee).length <= 1, "at most one knee per curve");
  assert.ok(curve.every((p) => p.aggregate_tokens_per_s.value! > 0));
});
