import assert from "node:assert/strict";
import {
  type MemoryReader,
  type MemoryReading,
  MemorySamplerError,
  type MemoryTarget,
  startMemorySampler,
} from "../../lib/memory/mod.ts";

const NEVER = 1e9; // an interval long enough that only requested samples are taken

function reading(rss: number | null, extra: Partial<MemoryReading> = {}): MemoryReading {
  return {
    pids: rss === null ? [] : [1],
    rss_bytes: rss,
    footprint_bytes: null,
    system_used_bytes: 1000,
    ...extra,
  };
}

/** A reader answering from a script, one entry per read, recording targets and concurrency. */
function scriptedReader(script: Array<MemoryReading | Error>, delayMs = 0) {
  let index = 0;
  let running = 0;
  const stats = { reads: 0, maxConcurrent: 0, targets: [] as MemoryTarget[] };
  const reader: MemoryReader = {
    platform: "linux",
    async read(target) {
      stats.reads++;
      stats.targets.push(target);
      running++;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const next = script[Math.min(index++, script.length - 1)];
        if (next instanceof Error) throw next;
        return next;
      } finally {
        running--;
      }
    },
  };
  return { reader, stats };
}

Deno.test("startMemorySampler() attributes each sample to the windows open when it started", async () => {
  // Reads in order: start 10, A opens 50, B opens 20, A closes 30, B closes 5.
  const { reader } = scriptedReader([10, 50, 20, 30, 5].map((rss) => reading(rss)));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: NEVER, reader });
  await settle();
  const a = sampler.openWindow();
  await settle();
  const b = sampler.openWindow();
  await settle();
  const peakA = await a.close();
  const peakB = await b.close();
  const total = await sampler.stop();
  // A saw 50 (its open), 20 (B's open), 30 (its close): peak 50 over 3 samples.
  assert.equal(peakA.peak_rss_bytes, 50);
  assert.equal(peakA.samples, 3);
  // B saw 20 (its open), 30 (A's close), 5 (its close): peak 30 over 3 samples.
  assert.equal(peakB.peak_rss_bytes, 30);
  assert.equal(peakB.samples, 3);
  // The sampler saw all five: peak 50.
  assert.equal(total.peak_rss_bytes, 50);
  assert.equal(total.samples, 5);
  assert.equal(total.peak_system_used_bytes, 1000);
  assert.deepEqual(total.pids, [1]);
});

Deno.test("startMemorySampler() gives a window opened while a read runs two distinct samples", async () => {
  const { reader, stats } = scriptedReader([reading(1), reading(2), reading(3)], 30);
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: NEVER, reader });
  // The start read is in flight: the window's open and close samples both wait behind it.
  const peak = await sampler.openWindow().close();
  await sampler.stop();
  assert.equal(peak.samples, 2);
  assert.equal(peak.peak_rss_bytes, 3); // its samples were reads 2 and 3, not the start read
  assert.equal(stats.reads, 3);
});

Deno.test("startMemorySampler() never runs two reads at once and counts the ticks it skips", async () => {
  const { reader, stats } = scriptedReader([reading(7)], 50);
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: 5, reader });
  const windows = [sampler.openWindow(), sampler.openWindow(), sampler.openWindow()];
  await new Promise((resolve) => setTimeout(resolve, 300));
  const peaks = await Promise.all(windows.map((window) => window.close()));
  const total = await sampler.stop();
  assert.equal(stats.maxConcurrent, 1);
  assert.ok(total.skipped_ticks > 10, `skipped ${total.skipped_ticks}`);
  assert.equal(total.samples, stats.reads);
  for (const peak of peaks) {
    assert.ok(peak.samples >= 2 && peak.samples <= total.samples, String(peak.samples));
  }
});

Deno.test("startMemorySampler() counts failed reads, reports them to onError, and never throws", async () => {
  const failure = new Error("ps exploded");
  const { reader } = scriptedReader([failure, reading(40), failure, reading(60)]);
  const seen: unknown[] = [];
  const sampler = startMemorySampler({ pids: [1] }, {
    intervalMs: NEVER,
    reader,
    onError: (error) => {
      seen.push(error);
      throw new Error("a broken callback is ignored too");
    },
  });
  const peak = await sampler.openWindow().close();
  const total = await sampler.stop();
  // Reads: start fails, window open gives 40, window close fails: so the window has 1 sample.
  assert.equal(peak.samples, 1);
  assert.equal(peak.errors, 1);
  assert.equal(peak.peak_rss_bytes, 40);
  assert.equal(total.errors, 2);
  assert.deepEqual(seen, [failure, failure]);
});

Deno.test("startMemorySampler() gives null peaks when every read fails", async () => {
  const { reader } = scriptedReader([new Error("no /proc")]);
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: NEVER, reader });
  const peak = await sampler.openWindow().close();
  assert.deepEqual(peak, {
    peak_rss_bytes: null,
    peak_footprint_bytes: null,
    peak_system_used_bytes: null,
    samples: 0,
    errors: 2,
    skipped_ticks: 0,
    pids: [],
  });
  await sampler.stop();
});

Deno.test("startMemorySampler() keeps the largest footprint and system figures independently", async () => {
  const { reader } = scriptedReader([
    reading(10, { footprint_bytes: 300, system_used_bytes: 5000, pids: [4, 2] }),
    reading(90, { footprint_bytes: null, system_used_bytes: 7000, pids: [2] }),
    reading(20, { footprint_bytes: 100, system_used_bytes: null, pids: [9] }),
  ]);
  const sampler = startMemorySampler({ pids: [2] }, { intervalMs: NEVER, reader });
  await sampler.openWindow().close();
  assert.deepEqual(await sampler.stop(), {
    peak_rss_bytes: 90,
    peak_footprint_bytes: 300,
    peak_system_used_bytes: 7000,
    samples: 3,
    errors: 0,
    skipped_ticks: 0,
    pids: [2, 4, 9],
  });
});

Deno.test("startMemorySampler() passes the target to the reader with its own pid excluded from pattern roots", async () => {
  const { reader, stats } = scriptedReader([reading(1)]);
  const pattern = /lmstudio/i;
  await startMemorySampler({ namePattern: pattern }, { intervalMs: NEVER, reader }).stop();
  assert.deepEqual(stats.targets[0], { namePattern: pattern, excludePids: [Deno.pid] });
  const explicit = scriptedReader([reading(1)]);
  await startMemorySampler({ namePattern: pattern, excludePids: [] }, {
    intervalMs: NEVER,
    reader: explicit.reader,
  }).stop();
  assert.deepEqual(explicit.stats.targets[0].excludePids, []);
});

Deno.test("startMemorySampler() gives a closed window no reading that starts after its last sample", async () => {
  const { reader } = scriptedReader([reading(1), reading(2), reading(3), reading(99)]);
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: NEVER, reader });
  const a = sampler.openWindow();
  const b = sampler.openWindow();
  // Reads: start 1; both opens 2; A's close 3; B's close 99 starts as soon as A's close finished.
  const [peakA, peakB] = await Promise.all([a.close(), b.close()]);
  await sampler.stop();
  assert.deepEqual([peakA.peak_rss_bytes, peakA.samples], [3, 2]);
  assert.deepEqual([peakB.peak_rss_bytes, peakB.samples], [99, 3]);
});

Deno.test("startMemorySampler() stop() is idempotent and windows cannot open after it", async () => {
  const { reader, stats } = scriptedReader([reading(1)]);
  const sampler = startMemorySampler({ pids: [1] }, { intervalMs: NEVER, reader });
  const window = sampler.openWindow();
  const first = await sampler.stop();
  assert.deepEqual(await sampler.stop(), first);
  const late = await window.close(); // no sample after stop, but no hang either
  assert.equal(late.samples, 1);
  assert.deepEqual(await window.close(), late);
  assert.equal(stats.reads, 2);
  assert.throws(
    () => sampler.openWindow(),
    (error) =>
      error instanceof MemorySamplerError &&
      error.message === "Cannot open a memory window: the sampler is stopped",
  );
});

Deno.test("startMemorySampler() validates its target and interval", () => {
  const { reader } = scriptedReader([reading(1)]);
  assert.throws(
    () => startMemorySampler({}, { reader }),
    (error) =>
      error instanceof TypeError &&
      error.message === "MemoryTarget needs pids or a namePattern: current value is {}",
  );
  assert.throws(
    () => startMemorySampler({ pids: [0, 2.5] }, { reader }),
    (error) =>
      error instanceof RangeError &&
      error.message === "MemoryTarget.pids must hold positive integers: current value is [0,2.5]",
  );
  assert.throws(
    () => startMemorySampler({ pids: [1] }, { reader, intervalMs: 0 }),
    (error) =>
      error instanceof RangeError &&
      error.message === "intervalMs must be a positive number: current value is 0",
  );
  assert.throws(
    () => startMemorySampler({ pids: [1] }, { platform: "windows" }),
    (error) => error instanceof RangeError && error.message.endsWith("current value is 'windows'"),
  );
});
