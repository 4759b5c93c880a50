/**
 * lib/progress on hand-made events with a driven clock: counts, rate, ETA, running figures, when
 * log lines are due, the JSON lines and the notebook display's messages.
 */
import assert from "node:assert/strict";
import {
  complianceProgress,
  evalProgress,
  formatDuration,
  formatRate,
  jsonSafeEvent,
  LinePacer,
  loadProgress,
  notebookProgress,
  perfProgress,
  progressJsonLine,
  progressText,
  ProgressTracker,
  roundsProgress,
  summaryText,
  sweepProgress,
} from "../../lib/progress/mod.ts";
import type { PerfEvent, PerfUnit } from "../../lib/perf/mod.ts";
import type { PreparedRounds } from "../../lib/rounds/mod.ts";
import type { ComplianceRecord, EvalRecord, PerfRecord } from "../../lib/results/mod.ts";

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const perfRecord = (over: Partial<PerfRecord>) =>
  ({ warmup: false, error: null, ttft_ms: 100, ...over }) as PerfRecord;

Deno.test("ProgressTracker counts this session's items for the rate and the whole run for the ETA", () => {
  const c = clock();
  const t = new ProgressTracker("perf", "request", { runTotal: 20, now: c.now });
  t.begin("m/a", 10, 4); // resumed: 4 done before
  c.advance(1000);
  t.advance(6);
  const s = t.snapshot();
  assert.equal(s.done, 6);
  assert.equal(s.runDone, 6);
  assert.equal(s.ratePerS, 2); // 2 items this session in 1 s; the 4 resumed ones are not a rate
  assert.equal(s.etaMs, 7000); // 14 items left at 2/s
  assert.equal(s.active, true);
  t.advance(10);
  assert.equal(t.snapshot().active, false);
});

Deno.test("progressText() names the step, the run's share, the rate, elapsed time, ETA and the figure", () => {
  const c = clock();
  const p = perfProgress({
    units: [unit("a"), unit("b"), unit("c")],
    experiment: { runs: 5, warmup: 1 },
  }, { now: c.now });
  p.update({ type: "unit_start", unit: unit("a"), path: "x", planned: 6, alreadyDone: 0 });
  for (let i = 1; i <= 4; i++) {
    c.advance(500);
    p.update(requestDone("a", i, perfRecord({ warmup: i === 1, ttft_ms: i * 10 })));
  }
  const text = progressText(p.tracker.snapshot());
  assert.equal(
    text,
    "m/a 4/6 | run 4/18 22% | 2.0 req/s | elapsed 0:02 | ETA 0:07 | TTFT median 30.0 ms",
  );
  // The warm-up's TTFT (10 ms) is not in the median of 20, 30, 40.
  assert.equal(p.tracker.snapshot().figure?.value, 30);
});

function unit(scenario: string, round?: string): PerfUnit {
  return { modelKey: "m", scenario, round };
}

function requestDone(scenario: string, done: number, record: PerfRecord): PerfEvent {
  return { type: "request_done", unit: unit(scenario), record, done, planned: 6 };
}

Deno.test("perf progress takes refused scenarios and failed models out of the run's total", () => {
  const plan = {
    units: [unit("a"), unit("b"), { modelKey: "n", scenario: "a" }, {
      modelKey: "n",
      scenario: "b",
    }],
    experiment: { runs: 2, warmup: 1 },
  };
  const p = perfProgress(plan);
  assert.equal(p.tracker.runTotal, 12);
  assert.equal(p.update({ type: "unit_refused", unit: unit("a"), reason: "too long" }), null);
  assert.equal(p.tracker.runTotal, 9);
  p.update({ type: "model_failed", modelKey: "n", error: new Error("down") });
  assert.equal(p.tracker.runTotal, 3);
});

Deno.test("eval progress shows accuracy so far, or the mean score of scored tasks", () => {
  const prepared = { plan: { task: "banking77", modelKey: "m" }, task: { samples: [1, 2, 3] } };
  const p = evalProgress(prepared);
  assert.equal(p.update({ type: "start", planned: 3, alreadyDone: 0, path: "x" }), "start");
  p.update({
    type: "sample_done",
    record: { score: null } as EvalRecord,
    done: 1,
    planned: 3,
    runningAccuracy: 0.5,
  });
  assert.equal(p.tracker.snapshot().figure?.text, "accuracy 50.0%");
  const s = evalProgress({ plan: { task: "summarization", modelKey: "m" } });
  s.update({ type: "start", planned: 2, alreadyDone: 0, path: "x" });
  for (const [i, score] of [[1, 0.2], [2, 0.4]] as const) {
    const change = s.update({
      type: "sample_done",
      record: { score } as EvalRecord,
      done: i,
      planned: 2,
      runningAccuracy: null,
    });
    assert.equal(change, i === 2 ? "end" : "tick");
  }
  assert.equal(s.tracker.snapshot().figure?.text, "mean score 0.300");
});

Deno.test("compliance progress shows the failure rate over answered probes (errors excluded)", () => {
  const p = complianceProgress({ modelKeys: ["a", "b"], probes: [1, 2, 3] });
  p.update({ type: "model_probes", modelKey: "a", path: "x", planned: 3, alreadyDone: 0 });
  const rec = (failed: boolean | null, error: string | null) =>
    ({ failed, error }) as ComplianceRecord;
  p.update({ type: "probe_done", modelKey: "a", record: rec(true, null), done: 1, planned: 3 });
  p.update({ type: "probe_done", modelKey: "a", record: rec(null, "500"), done: 2, planned: 3 });
  p.update({ type: "probe_done", modelKey: "a", record: rec(false, null), done: 3, planned: 3 });
  const s = p.tracker.snapshot();
  assert.equal(s.figure?.text, "failure rate 50.0% (1/2)");
  assert.equal(s.runDone, 3);
  assert.equal(s.runTotal, 6);
});

Deno.test("rounds progress counts perf requests and quality samples, and drops a failed round", () => {
  const prepared = {
    plan: {
      units: [unit("a", "baseline"), unit("a", "flash")],
      experiment: { runs: 4, warmup: 1 },
    },
    quality: { task: "banking77", sample_size: 10, seed: 42 },
  } as unknown as PreparedRounds;
  const p = roundsProgress(prepared);
  assert.equal(p.tracker.runTotal, 2 * 5 + 2 * 10);
  p.update({ type: "round_failed", id: "flash", reason: "cannot" });
  assert.equal(p.tracker.runTotal, 15);
  p.update({
    type: "quality",
    id: "baseline",
    event: { type: "start", planned: 8, alreadyDone: 0, path: "q" },
  });
  assert.equal(p.tracker.runTotal, 13, "the subset held 8 samples, not 10");
  assert.equal(p.tracker.snapshot().label, "baseline/quality");
});

Deno.test("sweep progress assumes variants not started yet are as large as the current one", () => {
  const p = sweepProgress(3);
  p.update({ type: "sweep_model", modelKey: "a", index: 0, models: 3, planned: 10, runId: "r1" });
  assert.equal(p.tracker.runTotal, 30);
});

Deno.test("report loading progress counts bytes and shows files and records read", () => {
  const p = loadProgress();
  p.update({ type: "load_start", dir: "d", files: 2, bytes: 300 });
  p.update({
    type: "file_loaded",
    file: "a",
    kind: "perf",
    records: 7,
    done: 1,
    files: 2,
    bytesDone: 100,
    bytes: 300,
  });
  const s = p.tracker.snapshot();
  assert.equal(s.done, 100);
  assert.equal(s.figure?.text, "files 1/2, 7 record(s)");
});

Deno.test("LinePacer: a line after each 5 % of the work, or 10 s after the last line, not more often", () => {
  const c = clock();
  const t = new ProgressTracker("eval", "sample", { runTotal: 100, now: c.now });
  const pacer = new LinePacer({ now: c.now });
  t.begin("x", 100);
  assert.equal(pacer.step(t.snapshot()), 5);
  assert.equal(pacer.due(t.snapshot()), false, "the first call only starts the clock");
  const printedAt: number[] = [];
  for (let i = 1; i <= 12; i++) {
    c.advance(100);
    t.advance(i);
    if (pacer.due(t.snapshot())) {
      pacer.printed(t.snapshot());
      printedAt.push(i);
    }
  }
  assert.deepEqual(printedAt, [5, 10]);
  c.advance(9_799); // the line at 10 was written at 1.0 s; it is 10.999 s now
  assert.equal(c.now(), 10_999);
  assert.equal(pacer.due(t.snapshot()), false);
  c.advance(1);
  assert.equal(pacer.due(t.snapshot()), true, "10 s without a line");
  pacer.printed(t.snapshot());
  assert.equal(pacer.due(t.snapshot(), true), false, "the end of a step with nothing new: no line");
  t.advance(13);
  assert.equal(pacer.due(t.snapshot(), true), true);
});

Deno.test("formatDuration() and formatRate() read as a person would say them", () => {
  assert.equal(formatDuration(7_400), "0:07");
  assert.equal(formatDuration(185_000), "3:05");
  assert.equal(formatDuration(3_723_000), "1:02:03");
  assert.equal(formatDuration(null), "–");
  assert.equal(formatRate(12.54, "request"), "12.5 req/s");
  assert.equal(formatRate(3, "sample"), "3.0 samples/s");
  assert.equal(formatRate(0.25, "sample"), "4.0 s/sample");
  assert.equal(formatRate(3 * 1024 * 1024, "byte"), "3.0 MiB/s");
  assert.equal(formatRate(null, "probe"), "–");
});

Deno.test("progressJsonLine() carries the event (errors as name and message, records as a count) and a snapshot", () => {
  const c = clock();
  const t = new ProgressTracker("perf", "request", { runTotal: 4, now: c.now });
  t.begin("m/a", 4);
  c.advance(2000);
  t.advance(1);
  const line = progressJsonLine(
    "perf",
    { type: "unit_done", records: [{}, {}], error: new TypeError("bad") },
    t.snapshot(),
    new Date("2026-01-05T10:00:00Z"),
  );
  assert.deepEqual(JSON.parse(line), {
    command: "perf",
    time: "2026-01-05T10:00:00.000Z",
    event: { type: "unit_done", record_count: 2, error: { name: "TypeError", message: "bad" } },
    progress: {
      label: "m/a",
      done: 1,
      total: 4,
      run_done: 1,
      run_total: 4,
      unit: "request",
      elapsed_s: 2,
      rate_per_s: 0.5,
      eta_s: 6,
      figure: null,
    },
  });
  assert.deepEqual(jsonSafeEvent({ p: /lms/ }), { p: "lms" });
});

Deno.test("notebookProgress() shows one display, updates it in place, and replaces it by the summary", async () => {
  const calls: { text: string; update?: boolean; id?: string }[] = [];
  const jupyter = {
    display(obj: unknown, options?: { raw?: boolean; update?: boolean; display_id?: string }) {
      assert.equal(options?.raw, true);
      calls.push({
        text: (obj as Record<string, string>)["text/plain"],
        update: options?.update,
        id: options?.display_id,
      });
      return Promise.resolve();
    },
  };
  const c = clock();
  const p = evalProgress({ plan: { task: "t", modelKey: "m" }, task: { samples: [1, 2, 3, 4] } }, {
    now: c.now,
  });
  const nb = notebookProgress(jupyter, p, { now: c.now, minIntervalMs: 250 });
  nb.onEvent({ type: "start", planned: 4, alreadyDone: 0, path: "x" });
  for (let i = 1; i <= 4; i++) {
    c.advance(i === 2 ? 10 : 300); // the second sample comes too soon after the first to show
    nb.onEvent({
      type: "sample_done",
      record: { score: null } as EvalRecord,
      done: i,
      planned: 4,
      runningAccuracy: 1,
    });
  }
  await nb.done();
  assert.deepEqual(calls.map((x) => x.update), [false, true, true, true, true]);
  assert.equal(new Set(calls.map((x) => x.id)).size, 1);
  assert.deepEqual(
    calls.slice(0, 4).map((x) => x.text.match(/ (\d)\/4 /)?.[1]),
    ["0", "1", "3", "4"],
  );
  assert.match(calls.at(-1)!.text, /^eval: 4\/4 samples in 0:01 \(.*\) \| accuracy 100\.0%$/);
  assert.equal(summaryText(p.tracker.snapshot()), calls.at(-1)!.text);
});

Deno.test("notebookProgress() shows nothing for a run without progress events", async () => {
  const calls: unknown[] = [];
  const nb = notebookProgress(
    { display: (o: unknown) => (calls.push(o), Promise.resolve()) },
    complianceProgress(),
  );
  nb.onEvent({ type: "model_start", modelKey: "m", model: {} as never });
  await nb.done();
  assert.equal(calls.length, 0);
});
