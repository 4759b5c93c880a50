import { type MemoryPeak, startMemorySampler } from "../../lib/memory/mod.ts";

/** What a child that allocated a known amount reported, and what the sampler saw. */
export interface AllocationRun {
  /** Bytes the child allocated and wrote. */
  size_bytes: number;
  /** The child's VmRSS just before allocating. */
  baseline_bytes: number;
  /** baseline + size: what the sampler should report. */
  expected_bytes: number;
  /** The child's VmHWM (its own peak RSS) just before exiting. */
  child_hwm_bytes: number;
  /** The sampler's result over the child's life. */
  peak: MemoryPeak;
}

// Prints its VmRSS, allocates and writes SIZE bytes, holds them HOLD ms, prints VmHWM, exits.
const CHILD = `
const status = () => Deno.readTextFileSync("/proc/self/status");
const kib = (key) => Number(new RegExp(key + ":\\\\s+(\\\\d+) kB").exec(status())[1]) * 1024;
const [size, hold] = Deno.args.map(Number);
console.log(JSON.stringify({ baseline: kib("VmRSS") }));
const bytes = new Uint8Array(size);
bytes.fill(1);
await new Promise((resolve) => setTimeout(resolve, hold));
console.log(JSON.stringify({ hwm: kib("VmHWM"), touched: bytes[size - 1] }));
`;

/**
 * Spawns `deno eval` allocating `sizeBytes`, samples its tree from spawn to exit, and returns
 * the child's own figures beside the sampler's peak.
 */
export async function measureAllocation(
  sizeBytes: number,
  options: { holdMs?: number; intervalMs?: number } = {},
): Promise<AllocationRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", CHILD, "--", String(sizeBytes), String(options.holdMs ?? 300)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const sampler = startMemorySampler({ pids: [child.pid] }, {
    intervalMs: options.intervalMs ?? 100,
  });
  const output = await child.output();
  const peak = await sampler.stop();
  if (!output.success) throw new Error(`allocating child failed with code ${output.code}`);
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  const baseline = lines[0].baseline as number;
  return {
    size_bytes: sizeBytes,
    baseline_bytes: baseline,
    expected_bytes: baseline + sizeBytes,
    child_hwm_bytes: lines[1].hwm as number,
    peak,
  };
}
