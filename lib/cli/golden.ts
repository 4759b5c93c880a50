// deno-lint-ignore-file no-console
/**
 * `deno task golden [--models KEYS] [--results-dir DIR] [--readme FILE] [--quick] [--from DIR]`: the golden
 * figures. Runs every eval task, the three perf scenarios and the compliance probes on the real
 * models (embedded engine), then writes their headline numbers per model (n, score [CI] with its
 * method, invalid rate, TTFT and output tokens/s medians, peak RSS, residual risks) into the
 * README between `<!-- golden:begin -->` and `<!-- golden:end -->`, with the machine, date, commit
 * and command, so that a change that moves them shows in the diff. `--quick` uses tiny samples
 * (for the test of this command, not for the page).
 * @module
 */
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../config/mod.ts";
import { summarizePerf } from "../perf/mod.ts";
import { EvalSummarySchema, type PerfRecord, PerfRecordSchema, readJsonl } from "../results/mod.ts";
import { fmt, fmtMib, runMain, UsageError } from "./_common.ts";

const BEGIN = "<!-- golden:begin -->";
const END = "<!-- golden:end -->";

/** The tasks of the golden page and their sample sizes (full, quick). */
const TASKS: { task: string; label: string; args: string[]; n: [number, number] }[] = [
  { task: "banking77", label: "banking77 (zero-shot)", args: [], n: [77, 2] },
  { task: "banking77", label: "banking77 (5-shot)", args: ["--shots", "5"], n: [40, 2] },
  { task: "financial_phrasebank", label: "financial_phrasebank", args: [], n: [60, 3] },
  {
    task: "financial_phrasebank",
    label: "financial_phrasebank (constrained)",
    args: ["--constrained"],
    n: [30, 2],
  },
  { task: "coding", label: "coding (pass@1)", args: [], n: [10, 1] },
  { task: "mmlu_mini", label: "mmlu_mini", args: [], n: [60, 2] },
  { task: "gsm8k_mini", label: "gsm8k_mini", args: [], n: [10, 1] },
  { task: "summarization", label: "summarization (ROUGE-1 F1)", args: [], n: [6, 1] },
  { task: "realistic", label: "realistic (mean check score)", args: [], n: [18, 2] },
];

const HELP = `Usage: deno task golden [options]

Runs every eval task, the perf scenarios and the compliance probes on the real models and writes
their headline numbers into the README's golden section (between ${BEGIN} and ${END}).

  --models KEYS      embedded model keys (default: smollm2_135m_instruct,gemma3_270m)
  --results-dir DIR  where the runs go (default: a new temporary folder, printed)
  --readme FILE      the file whose golden section is replaced (default: README.md)
  --quick            tiny samples and 1 perf run (checks the command, not for the page)
  --from DIR         rewrite the section from the runs an earlier golden run left in DIR (no run)
  --help`;

async function run(script: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(PROJECT_ROOT, script), ...args],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited with ${code}`);
}

const pct = (v: number | null | undefined) => v == null ? "–" : `${(v * 100).toFixed(1)}`;

function score(metrics: Record<string, unknown>): string {
  type Est = { value: number | null; ci95: [number, number] | null; ci_method?: string };
  const pick = (metrics.accuracy ?? metrics.rouge1 ?? metrics.mean_score) as Est | undefined;
  if (!pick || pick.value === null) return "–";
  const ci = pick.ci95 ? ` [${pct(pick.ci95[0])}, ${pct(pick.ci95[1])}]` : "";
  return `${pct(pick.value)}${ci}${pick.ci_method ? ` (${pick.ci_method})` : ""}`;
}

/** The three most common causes of invalid answers, with their counts ("–" when none). */
function topReasons(reasons: unknown): string {
  const counts = Object.entries((reasons ?? {}) as Record<string, { count?: number }>)
    .filter(([cause, v]) => cause !== "error" && (v?.count ?? 0) > 0)
    .sort(([a, x], [b, y]) => (y.count ?? 0) - (x.count ?? 0) || (a < b ? -1 : 1))
    .slice(0, 3);
  return counts.length ? counts.map(([cause, v]) => `${cause} ${v.count}`).join(", ") : "–";
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      models: { type: "string", default: "smollm2_135m_instruct,gemma3_270m" },
      "results-dir": { type: "string" },
      readme: { type: "string" },
      quick: { type: "boolean" },
      from: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const models = values.models.split(",").map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) throw new UsageError("Flag --models is empty: give model keys");
  const readme = values.readme ?? join(PROJECT_ROOT, "README.md");
  const text = await Deno.readTextFile(readme);
  if (!text.includes(BEGIN) || !text.includes(END)) {
    throw new UsageError(`File ${readme} has no golden section: it needs ${BEGIN} ... ${END}`);
  }
  const commitNow = await new Deno.Command("git", {
    args: ["rev-parse", "--short", "HEAD"],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "null",
  }).output().then((o) => new TextDecoder().decode(o.stdout).trim() || "unknown", () => "unknown");
  let made: GoldenRun;
  let results: string;
  if (values.from !== undefined) {
    // Only the section, from runs an earlier `deno task golden` made.
    results = values.from;
    made = await readGoldenRun(results);
  } else {
    const quick = values.quick ?? false;
    results = values["results-dir"] ?? await Deno.makeTempDir({ prefix: "edge-bench-golden-" });
    console.log(`golden: runs go to ${results}`);
    const t0 = performance.now();
    await makeRuns(models, results, quick);
    made = {
      commit: commitNow,
      date: new Date().toISOString().slice(0, 10),
      minutes: Math.round((performance.now() - t0) / 60000),
      quick,
      os: `${Deno.build.os} ${Deno.build.arch}`,
      cores: navigator.hardwareConcurrency,
    };
    await Deno.writeTextFile(join(results, RUN_FILE), JSON.stringify(made, null, 2) + "\n");
  }
  await writeSection(readme, text, models, results, made);
  console.log(`golden: ${relative(Deno.cwd(), readme) || readme} updated (runs in ${results})`);
  return 0;
}

/** What a golden run was: where, when, at which commit, how long it took. */
interface GoldenRun {
  commit: string;
  date: string;
  minutes: number;
  quick: boolean;
  os: string;
  cores: number;
}

/** The record of a golden run, beside its runs. */
const RUN_FILE = "golden_run.json";

async function readGoldenRun(results: string): Promise<GoldenRun> {
  const path = join(results, RUN_FILE);
  try {
    return JSON.parse(await Deno.readTextFile(path)) as GoldenRun;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `Flag --from must be a folder a golden run wrote: current value is ${
          JSON.stringify(results)
        } (no ${RUN_FILE})`,
      );
    }
    throw error;
  }
}

/** Every eval task, the perf scenarios and the compliance probes, per model, into `results`. */
async function makeRuns(models: string[], results: string, quick: boolean): Promise<void> {
  for (const model of models) {
    for (const t of TASKS) {
      await run("lib/cli/eval.ts", [
        "--task",
        t.task,
        "--model",
        model,
        "--sample-size",
        String(t.n[quick ? 1 : 0]),
        "--results-dir",
        results,
        ...t.args,
      ]);
    }
    await run("lib/cli/perf.ts", [
      "--models",
      model,
      "--runs",
      quick ? "1" : "5",
      "--warmup",
      "1",
      "--results-dir",
      results,
    ]);
    await run("lib/cli/compliance.ts", [
      "--models",
      model,
      ...(quick ? ["--limit", "1"] : []),
      "--results-dir",
      results,
      "--output-dir",
      join(results, "compliance"),
    ]);
  }
}

type RiskAnalysis = {
  models?: { model_key: string; risks?: { id: string; residual?: { rating?: string } }[] }[];
};

/** Replace the golden section of `readme` with the headline numbers of the runs in `results`. */
async function writeSection(
  readme: string,
  text: string,
  models: string[],
  results: string,
  made: GoldenRun,
): Promise<void> {
  const quick = made.quick;
  const files = [...Deno.readDirSync(results)].map((e) => e.name).sort();
  const summaries = files.filter((f) => /^(eval|realistic)_.*\.json$/.test(f)).map((f) =>
    EvalSummarySchema.parse(JSON.parse(Deno.readTextFileSync(join(results, f))))
  );
  const perf: PerfRecord[] = [];
  for (const f of files.filter((f) => f.startsWith("perf_") && f.endsWith(".jsonl"))) {
    perf.push(...(await readJsonl(join(results, f), PerfRecordSchema)).records);
  }
  // Each compliance run writes its own risk analysis (of the models it probed): the latest one
  // that covers a model is that model's.
  const analyses = [...Deno.readDirSync(join(results, "compliance"))].map((e) => e.name)
    .filter((n) => n.startsWith("risk_analysis_")).sort().reverse()
    .map((n) => JSON.parse(Deno.readTextFileSync(join(results, "compliance", n))) as RiskAnalysis);
  const risksOf = (model: string) =>
    analyses.map((a) => a.models?.find((m) => m.model_key === model)).find(Boolean)?.risks ?? [];
  const lines: string[] = [
    BEGIN,
    "",
    `Measured ${made.date} at commit ${made.commit} on ${made.os}, ${made.cores} logical cores, embedded engine (CPU), ` +
    `by \`deno task golden${
      quick ? " --quick" : ""
    }\` (${made.minutes} min). Accuracy-like scores in %, with ` +
    `their 95 % interval and method; perf: medians over ${
      quick ? 1 : 5
    } measured requests after 1 warm-up, cold prefill. ` +
    `Invalid: answers that could not be mapped to the task's answer space, with the most common causes.`,
    "",
  ];
  for (const model of models) {
    lines.push(`**${model}**`, "");
    lines.push(
      "| Task | n | Score % [95 % CI] | Invalid % | Top invalid reasons | Cut by max_tokens % |",
    );
    lines.push("| --- | ---: | --- | ---: | --- | ---: |");
    for (const t of TASKS) {
      // The variant a row stands for: banking77's shots and the constrained form tell them apart.
      const shots = t.args.includes("--shots");
      const constrained = t.args.includes("--constrained");
      const s = summaries.filter((x) =>
        x.model_key === model && x.task === t.task &&
        (t.task !== "banking77" || (Number(x.settings.shots ?? 0) > 0) === shots) &&
        (x.settings.constrained === true) === constrained
      ).at(-1);
      if (!s) continue;
      const m = s.metrics as Record<string, unknown>;
      lines.push(
        `| ${t.label} | ${m.n} | ${score(m)} | ${pct(m.invalid_rate as number)} | ${
          topReasons(m.invalid_reasons)
        } | ${pct((m.length_cut_rate ?? m.truncated_rate ?? null) as number | null)} |`,
      );
    }
    lines.push("");
    lines.push(
      "| Scenario | n | TTFT median ms | Output tok/s median | Prefill tok/s median | Peak RSS |",
    );
    lines.push("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const scenario of ["interactive_assistant", "summarization", "json_extraction"]) {
      const recs = perf.filter((r) => r.model_key === model && r.scenario === scenario);
      if (!recs.length) continue;
      const p = summarizePerf(recs);
      lines.push(
        `| ${scenario} | ${p.n} | ${fmt(p.ttft_ms.median.value, 0)} | ${
          fmt(p.output_tokens_per_s.median.value, 1)
        } | ${fmt(p.prefill_tokens_per_s.median.value, 0)} | ${fmtMib(p.peak_rss_bytes)} |`,
      );
    }
    const risks = risksOf(model);
    if (risks.length) {
      lines.push(
        "",
        `Residual compliance risk: ${
          risks.map((r) => `${r.id} ${r.residual?.rating ?? "?"}`).join(", ")
        }.`,
      );
    }
    lines.push("");
  }
  lines.push(END);
  const updated = text.slice(0, text.indexOf(BEGIN)) + lines.join("\n") +
    text.slice(text.indexOf(END) + END.length);
  await Deno.writeTextFile(readme, updated);
}

if (import.meta.main) await runMain(() => main(Deno.args));
