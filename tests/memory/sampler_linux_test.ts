import assert from "node:assert/strict";
import { createLinuxReader, parseProcStatus, startMemorySampler } from "../../lib/memory/mod.ts";
import { measureAllocation } from "./_alloc_child.ts";

const MiB = 1024 * 1024;

async function exitedChildPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("startMemorySampler() reports a child's 200 MiB allocation held 300 ms within 5 % of baseline + allocation", async () => {
  const run = await measureAllocation(200 * MiB, { holdMs: 300, intervalMs: 100 });
  const peak = run.peak.peak_rss_bytes;
  assert.ok(peak !== null, "no RSS sampled");
  const error = Math.abs(peak - run.expected_bytes) / run.expected_bytes;
  assert.ok(
    error <= 0.05,
    `peak ${peak} vs expected ${run.expected_bytes} (baseline ${run.baseline_bytes}): ${
      (error * 100).toFixed(2)
    } %`,
  );
  // A sample is an instant of the child's RSS, so it can never exceed the child's own high-water mark.
  assert.ok(peak <= run.child_hwm_bytes, `peak ${peak} above VmHWM ${run.child_hwm_bytes}`);
  assert.ok(run.peak.samples >= 3, `only ${run.peak.samples} samples`);
  assert.equal(run.peak.errors, 0);
  assert.ok(run.peak.peak_system_used_bytes !== null && run.peak.peak_system_used_bytes > peak);
});

Deno.test("startMemorySampler() on the harness's own pid sees a 64 MiB buffer and stays under VmHWM", async () => {
  const buffer = new Uint8Array(64 * MiB).fill(7);
  const sampler = startMemorySampler({ pids: [Deno.pid], includeChildren: false }, {
    intervalMs: 20,
  });
  const window = sampler.openWindow();
  await new Promise((resolve) => setTimeout(resolve, 150));
  const peak = await window.close();
  const total = await sampler.stop();
  const hwm = parseProcStatus(await Deno.readTextFile("/proc/self/status")).vm_hwm_bytes!;
  assert.equal(buffer[64 * MiB - 1], 7);
  assert.deepEqual(peak.pids, [Deno.pid]);
  assert.ok(peak.peak_rss_bytes! >= 64 * MiB, String(peak.peak_rss_bytes));
  assert.ok(total.peak_rss_bytes! <= hwm, `${total.peak_rss_bytes} > VmHWM ${hwm}`);
  assert.ok(peak.samples >= 2);
  assert.equal(peak.peak_footprint_bytes, null);
});

Deno.test("startMemorySampler() gives null tree peaks and no throw for a pid that has exited", async () => {
  const pid = await exitedChildPid();
  const sampler = startMemorySampler({ pids: [pid] }, { intervalMs: 10 });
  const window = sampler.openWindow();
  await new Promise((resolve) => setTimeout(resolve, 60));
  const inWindow = await window.close();
  const total = await sampler.stop();
  for (const peak of [inWindow, total]) {
    assert.equal(peak.peak_rss_bytes, null);
    assert.equal(peak.peak_footprint_bytes, null);
    assert.deepEqual(peak.pids, []);
    assert.equal(peak.errors, 0);
  }
  assert.ok(inWindow.samples >= 2);
  // System-wide memory is still measured: it does not depend on the target.
  assert.ok(total.peak_system_used_bytes !== null);
});

Deno.test("startMemorySampler() follows children that appear after it started", async () => {
  const sampler = startMemorySampler({ pids: [Deno.pid] }, {
    intervalMs: 20,
    reader: createLinuxReader(),
  });
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const peak = await sampler.openWindow().close();
    assert.ok(peak.pids.includes(child.pid), `${child.pid} not in ${peak.pids}`);
    assert.ok(peak.pids.includes(Deno.pid));
  } finally {
    child.kill();
    await child.status;
    await sampler.stop();
  }
});
