// deno-lint-ignore-file no-console
/**
 * `deno task bench`: every harness-cost benchmark in turn (each its own subprocess, the same
 * script as its `bench:*` task with `--json`), then one table: figure | before | after | goal.
 *
 * "before" is, by default, what issue 14 measured on this machine before the work
 * (tests/bench/baseline.json, each figure's source named there); `--before FILE` takes a file that
 * `--save FILE` wrote from an earlier run instead (for example on an older checkout), so both
 * columns are measured side by side. "after" is this run.
 *
 *   deno task bench [--only timing,harness,memory,eval,report] [--save FILE] [--before FILE]
 *
 * Each bench is kept short (a few minutes in all on 2 cores); run a `bench:*` task alone for its
 * full printout and flags.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

/** One measured figure, as each bench prints it after `BENCH `. */
export interface BenchFigure {
  figure: string;
  value: number;
  unit: string;
  goal: number | null;
  better: "lower" | "higher" | "closer to 1";
}

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** The benches, their scripts and the flags that keep `deno task bench` short. */
export const BENCHES: Record<string, { script: string; args: string[] }> = {
  timing: { script: "timing_fidelity.ts", args: ["--requests", "20"] },
  harness: { script: "harness_cpu.ts", args: ["--requests", "96"] },
  memory: { script: "memory_sampler.ts", args: ["--seconds", "5"] },
  eval: { script: "eval_concurrency.ts", args: ["--samples", "20", "--overhead-samples", "200"] },
  report: { script: "report_scale.ts", args: ["--records", "1000000", "--no-real"] },
};

/** Run one bench with `--json` and return the figures of its `BENCH` line. */
export async function runBench(name: string): Promise<BenchFigure[]> {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`no bench ${name} (${Object.keys(BENCHES).join(", ")})`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", HERE + bench.script, ...bench.args, "--json"],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  // The bench's own printout, indented, for the log.
  for (const line of text.split("\n")) {
    if (line && !line.startsWith("BENCH ")) console.log(`  ${line}`);
  }
  if (out.code !== 0) throw new Error(`bench:${name} exited with ${out.code}`);
  const line = text.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`bench:${name} printed no BENCH line`);
  return JSON.parse(line.slice(6));
}

function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

function met(f: BenchFigure): string {
  if (f.goal === null) return "";
  if (f.better === "lower") return f.value <= f.goal ? "yes" : "no";
  if (f.better === "higher") return f.value >= f.goal ? "yes" : "no";
  return "";
}

/** The table: figure | before | after | goal | met. */
export function benchTable(
  after: BenchFigure[],
  before: Map<string, { value: number | null; note?: string }>,
): string {
  const rows = [["figure", "before", "after", "goal", "met"]];
  for (const f of after) {
    const b = before.get(f.figure);
    const goal = f.goal === null
      ? "—"
      : `${f.better === "lower" ? "≤" : f.better === "higher" ? "≥" : ""} ${
        formatValue(f.goal, f.unit)
      }`;
    rows.push([
      f.figure,
      b ? (b.note ?? formatValue(b.value, f.unit)) : "—",
      formatValue(f.value, f.unit),
      goal,
      met(f),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ]
    .join("\n");
}

if (import.meta.main) {
  const args = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      save: { type: "string" },
      before: { type: "string" },
    },
  }).values;
  const names = args.only ? args.only.split(",") : Object.keys(BENCHES);
  const after: BenchFigure[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const t0 = performance.now();
    console.log(`bench:${name} ...`);
    try {
      after.push(...await runBench(name));
    } catch (error) {
      failed.push(name);
      console.log(`  FAILED: ${error instanceof Error ? error.message : error}`);
    }
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  if (args.save) await Deno.writeTextFile(args.save, JSON.stringify(after, null, 2) + "\n");
  const before = new Map<string, { value: number | null; note?: string }>();
  if (args.before) {
    for (const f of JSON.parse(await Deno.readTextFile(args.before)) as BenchFigure[]) {
      before.set(f.figure, { value: f.value });
    }
  } else {
    const baseline = JSON.parse(await Deno.readTextFile(HERE + "baseline.json")) as {
      figures: { figure: string; value: number | null; note?: string }[];
    };
    for (const f of baseline.figures) before.set(f.figure, f);
  }
  console.log(
    `\nHarness cost (${navigator.hardwareConcurrency} cores; before: ${
      args.before ?? "tests/bench/baseline.json, issue 14's figures"
    })\n`,
  );
  console.log(benchTable(after, before));
  if (failed.length) {
    console.log(`\nfailed: ${failed.map((n) => `bench:${n}`).join(", ")}`);
    Deno.exit(1);
  }
}
