/** Token timelines from chunk arrival times, whatever shape a newer perf record field gives them. */
import assert from "node:assert/strict";
import { chunkTimes } from "../../lib/viewer/mod.ts";

Deno.test("chunkTimes() reads ascending offsets under a field naming chunks", () => {
  assert.deepEqual(chunkTimes({ ttft_ms: 10, chunk_offsets_ms: [10, 12.5, 15] }), {
    field: "chunk_offsets_ms",
    offsets: [10, 12.5, 15],
    tokens: null,
    fromGaps: false,
  });
});

Deno.test("chunkTimes() reads objects with a time and a token count, and nested offset arrays", () => {
  assert.deepEqual(
    chunkTimes({ chunks: [{ t_ms: 5, tokens: 1 }, { t_ms: 9, tokens: 3 }] }),
    { field: "chunks", offsets: [5, 9], tokens: [1, 3], fromGaps: false },
  );
  assert.deepEqual(
    chunkTimes({ timeline: { offsets_ms: [3, 4], tokens: [1, 2] } }),
    { field: "timeline.offsets_ms", offsets: [3, 4], tokens: [1, 2], fromGaps: false },
  );
});

Deno.test("chunkTimes() sums gaps into arrival times (a field named gaps/ITL, or values that go down)", () => {
  assert.deepEqual(chunkTimes({ itl_ms: [2, 3, 1] })?.offsets, [2, 5, 6]);
  assert.equal(chunkTimes({ chunk_times: [4, 2, 3] })?.fromGaps, true);
});

Deno.test("chunkTimes() is null when no field holds chunk times", () => {
  assert.equal(chunkTimes({ ttft_ms: 1, e2e_ms: 2, output_text: "hi", memory_samples: 3 }), null);
  assert.equal(chunkTimes({ chunk_offsets_ms: [] }), null);
  assert.equal(chunkTimes({ chunk_offsets_ms: ["a"] }), null);
});
