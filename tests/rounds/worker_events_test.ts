/** The line protocol a round's worker process uses to send its events to the parent. */
import assert from "node:assert/strict";
import { decodeWorkerEvent, encodeWorkerEvent, type RoundsEvent } from "../../lib/rounds/mod.ts";

Deno.test("a worker's event survives its stdout line, errors included", () => {
  const error = new RangeError("the model cannot load");
  const events: RoundsEvent[] = [
    { type: "round_applied", id: "flash", settings: { flash_attention: true }, setupMs: 12.5 },
    { type: "perf", id: "flash", event: { type: "model_failed", modelKey: "m", error } },
    {
      type: "quality",
      id: "flash",
      event: { type: "start", planned: 20, alreadyDone: 3, path: "/tmp/x.jsonl" },
    },
  ];
  for (const e of events) {
    const line = encodeWorkerEvent(e);
    assert.ok(!line.includes("\n"));
    const back = decodeWorkerEvent(line);
    if (e.type === "perf" && e.event.type === "model_failed") {
      const failed = (back as typeof e).event as typeof e.event;
      assert.ok(failed.error instanceof Error);
      assert.equal(failed.error.name, "RangeError");
      assert.equal(failed.error.message, "the model cannot load");
    } else assert.deepEqual(back, e);
  }
});

Deno.test("a line that is not a worker event decodes to null (it is passed on as output)", () => {
  assert.equal(decodeWorkerEvent("llama.cpp: loading model"), null);
  assert.equal(decodeWorkerEvent('{"type":"round_start"}'), null);
  assert.equal(decodeWorkerEvent('{"edge_bench_rounds_event": {broken'), null);
});
