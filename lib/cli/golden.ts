// deno-lint-ignore-file no-console
/**
 * `deno task golden [--models KEYS] [--results-dir DIR] [--readme FILE] [--quick]`: the golden
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
  const quick = values.quick ?? false;
  const results = values["results-dir"] ??
    await Deno.makeTempDir({ prefix: "edge-bench-golden-" });
  console.log(`golden: runs go to ${results}`);
  const t0 = performance.now();
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
  const files = [...Deno.readDirSync(results)].map((e) => e.name).sort();
  const summaries = files.filter((f) => /^(eval|realistic)_.*\.json$/.test(f)).map((f) =>
    EvalSummarySchema.parse(JSON.parse(Deno.readTextFileSync(join(results, f))))
  );
  const perf: PerfRecord[] = [];
  for (const f of files.filter((f) => f.startsWith("perf_") && f.endsWith(".jsonl"))) {
    perf.push(...(await readJsonl(join(results, f), PerfRecordSchema)).records);
  }
  const risk = [...Deno.readDirSync(join(results, "compliance"))].map((e) => e.name)
    .filter((n) => n.startsWith("risk_analysis_")).sort().at(-1);
  const analysis = risk
    ? JSON.parse(Deno.readTextFileSync(join(results, "compliance", risk))) as {
      models?: { model_key: string; risks?: { id: string; residual?: { rating?: string } }[] }[];
    }
    : null;
  const commit = await new Deno.Command("git", {
    args: ["rev-parse", "--short", "HEAD"],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "null",
  }).output().then((o) => new TextDecoder().decode(o.stdout).trim() || "unknown", () => "unknown");
  const lines: string[] = [
    BEGIN,
    "",
    `Measured ${
      new Date().toISOString().slice(0, 10)
    } at commit ${commit} on ${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} logical cores, embedded engine (CPU), ` +
    `by \`deno task golden${quick ? " --quick" : ""}\` (${
      ((performance.now() - t0) / 60000).toFixed(0)
    } min). Accuracy-like scores in %, with their 95 % interval and method; perf: medians over ` +
    `${quick ? 1 : 5} measured requests after 1 warm-up, cold prefill.`,
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
    const risks = analysis?.models?.find((m) => m.model_key === model)?.risks ?? [];
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
  console.log(`golden: ${relative(Deno.cwd(), readme) || readme} updated (runs in ${results})`);
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
