// deno-lint-ignore-file no-console
/**
 * Memory sampler bench (Linux): `deno run -A tests/bench/memory_sampler.ts [--seconds 10]`.
 *
 * (a) Accuracy: a `deno eval` child prints its VmRSS, allocates and writes N MiB, holds it 300 ms,
 *     prints its VmHWM and exits; the sampler (100 ms) targets its pid from spawn to exit. Error is
 *     reported against baseline + N and against the child's own VmHWM.
 * (b) Cost: this process's CPU time (process.cpuUsage, all threads) over `--seconds` while idle
 *     without a sampler, then with a sampler at 100 ms on several targets (this process has one
 *     child, `sleep`); cost = extra CPU time / wall time, as % of one core. The timer alone (a
 *     reader that reads nothing) is a floor: waking a Deno process 10 times a second costs CPU.
 *
 *   deno task bench:memory [--seconds 10] [--json]
 */
import process from "node:process";
import {
  createLinuxReader,
  LM_STUDIO_PROCESS_PATTERN,
  type MemoryReader,
  type MemoryTarget,
  startMemorySampler,
} from "../../lib/memory/mod.ts";
import { measureAllocation } from "../memory/_alloc_child.ts";

const MiB = 1024 * 1024;
const secondsFlag = Deno.args.indexOf("--seconds");
const SECONDS = secondsFlag >= 0 ? Number(Deno.args[secondsFlag + 1]) : 10;
const REPEATS = 3;

function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    "| " + row.map((cell, i) => cell.padStart(widths[i])).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 1) + ":").join("|") + "|");
  for (const row of cells.slice(1)) console.log(line(row));
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}`;

if (Deno.build.os !== "linux") {
  console.log(
    `This bench reads /proc and runs on Linux only: current platform is ${Deno.build.os}`,
  );
  Deno.exit(0);
}

console.log(
  `## (a) Accuracy: child allocates N MiB, holds 300 ms; sampler at 100 ms (${REPEATS} runs each)\n`,
);
const accuracyRows: (string | number)[][] = [];
for (const size of [64, 256, 1024]) {
  for (let run = 1; run <= REPEATS; run++) {
    const result = await measureAllocation(size * MiB, { holdMs: 300, intervalMs: 100 });
    const peak = result.peak.peak_rss_bytes;
    accuracyRows.push([
      size,
      run,
      mib(result.baseline_bytes),
      mib(result.expected_bytes),
      peak === null ? "null" : mib(peak),
      peak === null ? "n/a" : pct((peak - result.expected_bytes) / result.expected_bytes),
      mib(result.child_hwm_bytes),
      peak === null ? "n/a" : pct((peak - result.child_hwm_bytes) / result.child_hwm_bytes),
      result.peak.samples,
    ]);
  }
}
table(
  [
    "N MiB",
    "run",
    "baseline MiB",
    "expected MiB",
    "reported MiB",
    "err vs expected %",
    "child VmHWM MiB",
    "err vs VmHWM %",
    "samples",
  ],
  accuracyRows,
);

/** A reader that times each read. */
function timed(reader: MemoryReader) {
  const durations: number[] = [];
  return {
    durations,
    reader: {
      platform: reader.platform,
      async read(target: MemoryTarget) {
        const start = performance.now();
        try {
          return await reader.read(target);
        } finally {
          durations.push(performance.now() - start);
        }
      },
    } satisfies MemoryReader,
  };
}

/** A reader that does no I/O: what remains is the timer and the sampler's own bookkeeping. */
const NOOP_READER: MemoryReader = {
  platform: "linux",
  read: () =>
    Promise.resolve({ pids: [], rss_bytes: null, footprint_bytes: null, system_used_bytes: null }),
};

async function cpuOver(seconds: number, target: MemoryTarget | null, base?: MemoryReader) {
  const probe = target === null ? null : timed(base ?? createLinuxReader());
  const sampler = target === null || probe === null
    ? null
    : startMemorySampler(target, { intervalMs: 100, reader: probe.reader });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const peak = sampler ? await sampler.stop() : null;
  const durations = probe?.durations ?? [];
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    samples: peak?.samples ?? 0,
    skipped: peak?.skipped_ticks ?? 0,
    errors: peak?.errors ?? 0,
    members: peak?.pids.length ?? 0,
    meanReadMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
    maxReadMs: durations.length ? Math.max(...durations) : 0,
  };
}

const processes = [...Deno.readDirSync("/proc")].filter((entry) => /^\d+$/.test(entry.name)).length;
console.log(
  `\n## (b) Sampler CPU cost at 100 ms over ${SECONDS} s each (${processes} processes in /proc, ${navigator.hardwareConcurrency} cores)\n`,
);
// A child, so that "pid + children" has a tree of two processes.
const sleeper = new Deno.Command("sleep", { args: ["3600"] }).spawn();
const baseline = await cpuOver(SECONDS, null);
const cases: [string, MemoryTarget, MemoryReader?][] = [
  ["no-I/O reader (timer + bookkeeping)", { pids: [Deno.pid] }, NOOP_READER],
  ["own pid + children", { pids: [Deno.pid] }],
  ["own pid, no children", { pids: [Deno.pid], includeChildren: false }],
  ["LM Studio pattern (+ cmdlines)", { namePattern: LM_STUDIO_PROCESS_PATTERN }],
];
const costs: Record<string, number> = {};
const costRows: (string | number)[][] = [[
  "no sampler (baseline)",
  baseline.cpuMs.toFixed(1),
  "—",
  0,
  0,
  "—",
  "—",
]];
for (const [label, target, reader] of cases) {
  const result = await cpuOver(SECONDS, target, reader);
  const extraMs = result.cpuMs - baseline.cpuMs * (result.wallMs / baseline.wallMs);
  costs[label] = (extraMs / result.wallMs) * 100;
  costRows.push([
    label,
    result.cpuMs.toFixed(1),
    ((extraMs / result.wallMs) * 100).toFixed(3),
    result.samples,
    result.skipped,
    result.meanReadMs.toFixed(2),
    result.maxReadMs.toFixed(2),
  ]);
  if (result.errors > 0) console.log(`warning: ${result.errors} failed reads for ${label}`);
}
sleeper.kill();
await sleeper.status;
table(
  [
    "target",
    "CPU ms",
    "cost % of one core",
    "samples",
    "skipped ticks",
    "mean read ms",
    "max read ms",
  ],
  costRows,
);

if (Deno.args.includes("--json")) {
  const errors = accuracyRows.map((row) => Math.abs(Number(row[7])));
  console.log(`BENCH ${
    JSON.stringify([
      {
        figure: "memory sampler at 100 ms, pid + children",
        value: costs["own pid + children"],
        unit: "% of a core",
        goal: 1,
        better: "lower",
      },
      {
        figure: "memory sampler accuracy: 300 ms spike, worst error vs the child's VmHWM",
        value: Math.max(...errors.filter(Number.isFinite)),
        unit: "%",
        goal: 5,
        better: "lower",
      },
    ])
  }`);
}
