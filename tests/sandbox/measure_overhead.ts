// deno-lint-ignore-file no-console
/**
 * Time per execution of a trivial program, sandboxed vs unsandboxed: median and range over 20
 * runs after 3 warm-ups (the first run also probes Python). Run with
 * `deno run -A tests/sandbox/measure_overhead.ts`.
 */
import { runPythonSandboxed, type SandboxKind } from "../../lib/sandbox/mod.ts";
import { platformKinds, requireSandbox } from "./_helpers.ts";

const RUNS = 20;
const WARMUPS = 3;
const PROGRAM = "print(1 + 1)";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeRuns(run: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < WARMUPS; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

function report(label: string, times: number[]): void {
  const min = Math.min(...times).toFixed(1);
  const max = Math.max(...times).toFixed(1);
  console.log(
    `${label.padEnd(28)} median ${median(times).toFixed(1)} ms  (min ${min}, max ${max})`,
  );
}

const kinds: (SandboxKind | "none")[] = [...platformKinds(), "none"];
for (const kind of kinds) {
  if (kind !== "none") await requireSandbox(kind);
  const times = await timeRuns(async () => {
    const result = await runPythonSandboxed(PROGRAM, { sandbox: kind, allowUnsafe: true });
    if (result.status !== "passed" || result.stdout !== "2\n") {
      throw new Error(`${kind}: ${result.status}: ${result.stderr}`);
    }
  });
  report(`runPythonSandboxed(${kind})`, times);
}
// The interpreter itself, spawned directly (`python3` on PATH may be a slow pyenv shim).
const probe = await new Deno.Command("python3", {
  args: ["-c", "import sys; print(sys.executable)"],
}).output();
const executable = new TextDecoder().decode(probe.stdout).trim();
const raw = await timeRuns(async () => {
  const output = await new Deno.Command(executable, { args: ["-I", "-c", PROGRAM] }).output();
  if (!output.success) throw new Error(`${executable} failed`);
});
report("plain spawn of the python", raw);
