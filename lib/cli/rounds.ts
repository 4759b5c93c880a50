// deno-lint-ignore-file no-console
/**
 * `deno task rounds --model <key> --rounds <names|all> [--scenarios ...] [--runs N] [--warmup N]
 *  [--no-quality] [--resume [RUN_ID]] [--allow-remote] [--results-dir DIR] [--config-dir DIR]
 *  [--data-dir DIR] [--list]`
 * @module
 */
import { relative, resolve } from "node:path";
import {
  encodeWorkerEvent,
  executeRounds,
  prepareRounds,
  type RoundsEvent,
  runSweep,
  supportMatrix,
  type SweepEvent,
  sweepRows,
} from "../rounds/mod.ts";
import { roundsProgress, sweepProgress } from "../progress/mod.ts";
import { resolveOutputPath } from "../config/mod.ts";
import { textTable } from "../report/mod.ts";
import { dirFlag, fmt, intFlag, parseFlagsWithResume, runMain, UsageError } from "./_common.ts";
import { Interrupt, interruptedMessage, resumeCommand } from "./_interrupt.ts";
import { CliProgress, PROGRESS_OPTIONS, progressHelp, progressModeOf } from "./_progress.ts";

const OPTIONS = {
  model: { type: "string" },
  rounds: { type: "string" },
  scenarios: { type: "string" },
  runs: { type: "string" },
  warmup: { type: "string" },
  "no-quality": { type: "boolean" },
  resume: { type: "boolean" },
  "allow-remote": { type: "boolean" },
  "results-dir": { type: "string" },
  "config-dir": { type: "string" },
  "data-dir": { type: "string" },
  list: { type: "boolean" },
  sweep: { type: "string" },
  worker: { type: "string" },
  ...PROGRESS_OPTIONS,
  help: { type: "boolean" },
} as const;

const HELP = `Usage: deno task rounds --model <key> [--rounds <ids|all>] [options]

  --model KEY            model of configs/models.yaml (embedded, lmstudio, or openai with server:)
  --rounds IDS|all       rounds of configs/rounds.yaml (baseline is always included; default all)
  --scenarios NAMES      perf scenarios (default: rounds.yaml's)
  --runs N / --warmup N  per round and scenario (default: rounds.yaml's)
  --no-quality           skip the fixed eval subset
  --resume [RUN_ID]      continue the latest unfinished rounds run
  --allow-remote         accept a non-loopback server (lmstudio, or openai without server:):
                         prompts leave this machine (a data-egress finding in the manifest)
  --results-dir DIR / --config-dir DIR / --data-dir DIR
  --list                 print the rounds and which backends can apply each setting
  --sweep KEYS           precision vs size: the baseline round on each model variant (comma-separated
                         keys, e.g. a family at Q4_K_M, Q8_0, F16), with GGUF parameters and bits per weight
${progressHelp(25)}`;

const pct = (
  x: number | null | undefined,
) => (x === null || x === undefined ? "n/a" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`);

/** Write all of `bytes` to stdout (a pipe may take a large line in several writes). */
function writeAll(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/** What the command prints for a rounds (or sweep) event; progress is drawn around it. */
function printEvent(e: SweepEvent): void {
  if (e.type === "sweep_model") {
    console.log(`\n[variant ${e.index + 1}/${e.models}] ${e.modelKey}: rounds run ${e.runId}`);
  } else if (e.type === "round_skipped") console.log(`[skip] ${e.id}: ${e.reason}`);
  else if (e.type === "round_start") {
    console.log(`\n[round] ${e.id}: ${e.round.description} ${JSON.stringify(e.round.settings)}`);
  } else if (e.type === "round_applied") {
    console.log(`  applied in ${fmt(e.setupMs, 0)} ms: ${JSON.stringify(e.settings)}`);
  } else if (e.type === "round_failed") {
    console.error(`[failed] ${e.id}: could not be applied: ${e.reason}`);
  } else if (e.type === "quality_done") console.log(`  quality: ${e.correct}/${e.n} correct`);
  else if (e.type === "worker_output") console.log(e.line);
  else if (e.type === "perf" && e.event.type === "unit_aborted") {
    console.error(`  stopped: ${e.event.reason}`);
  } else if (e.type === "perf" && e.event.type === "unit_refused") {
    console.error(`  refused: ${e.event.reason}`);
  }
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlagsWithResume(args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.list) {
    console.log(textTable(supportMatrix()));
    return 0;
  }
  const runs = intFlag("runs", values.runs, { min: 1 });
  const warmup = intFlag("warmup", values.warmup, { min: 0 });
  const configDir = dirFlag("config-dir", values["config-dir"], { mustExist: true });
  const resultsDir = dirFlag("results-dir", values["results-dir"]);
  const dataDir = dirFlag("data-dir", values["data-dir"], { mustExist: true });
  const mode = progressModeOf(values);
  const where = {
    "results-dir": resultsDir && resolve(resultsDir),
    progress: values.progress,
    quiet: values.quiet,
  };
  if (values.sweep) {
    const keys = values.sweep.split(",").map((k) => k.trim()).filter(Boolean);
    if (keys.length === 0) {
      throw new UsageError(
        `Flag --sweep names no model: current value is ${JSON.stringify(values.sweep)}`,
      );
    }
    const progress = new CliProgress("sweep", sweepProgress(keys.length), mode);
    let current: { modelKey: string; runId: string } | null = null;
    const sweepResultsDir = resultsDir ? resolve(resultsDir) : resolveOutputPath("results");
    const stopped = (sweepPath: string | null) =>
      current
        ? interruptedMessage(
          `the sweep stopped in rounds run ${current.runId} (${current.modelKey}), whose records are saved in ${sweepResultsDir}; ${
            sweepPath ? `the variants measured before it are in ${sweepPath}` : "no sweep file"
          }`,
          `${resumeCommand("rounds", current.runId, where)}, then the sweep of the other variants`,
        )
        : "Interrupted: nothing was measured yet.";
    const interrupt = new Interrupt({
      notice: "stopping; the request in flight is not recorded (--resume makes it again)",
      beforePrint: () => progress.clear(),
      onForce: () => stopped(null),
    }).install();
    let sweep;
    try {
      sweep = await runSweep(keys, {
        scenarios: values.scenarios,
        runs,
        warmup,
        quality: !values["no-quality"],
        configDir,
        resultsDir,
        dataDir,
        allowRemote: values["allow-remote"] === true,
      }, {
        signal: interrupt.signal,
        onEvent: progress.wrap((e) => {
          if (e.type === "sweep_model") current = { modelKey: e.modelKey, runId: e.runId };
          printEvent(e);
        }),
      });
    } finally {
      interrupt.remove();
      progress.stop();
    }
    console.log("\nPRECISION VS SIZE (baseline settings; means with 95% CI)");
    console.log(textTable(sweepRows(sweep.rows)));
    console.log(`\n[Saved] ${relative(Deno.cwd(), sweep.path) || sweep.path}`);
    if (interrupt.interrupted) {
      console.error(stopped(relative(Deno.cwd(), sweep.path) || sweep.path));
      return 130;
    }
    return 0;
  }
  if (!values.resume && !values.model) {
    throw new UsageError("Flag --model is required (a key of configs/models.yaml), or --resume");
  }
  const prepared = await prepareRounds({
    model: values.model ?? "",
    rounds: values.rounds,
    scenarios: values.scenarios,
    runs,
    warmup,
    quality: !values["no-quality"],
    resume: values.resume,
    configDir,
    resultsDir,
    dataDir,
    allowRemote: values["allow-remote"] === true,
  });
  if (!values.worker) {
    console.log(
      `OPTIMIZATION ROUNDS: ${prepared.modelKey}  run ${prepared.plan.runId}${
        prepared.resumed ? " (resumed)" : ""
      }`,
    );
    console.log(`Config hash: ${prepared.plan.configHash}`);
  }
  // A worker (one round in a fresh process) sends its events to the parent, which shows them.
  const worker = values.worker !== undefined;
  const progress = new CliProgress("rounds", roundsProgress(prepared), worker ? "none" : mode);
  const runId = prepared.plan.runId;
  const resume = resumeCommand("rounds", runId, where);
  const saved = () => {
    const s = progress.snapshot()!;
    return `${s.runDone}/${s.runTotal} requests and quality samples of run ${runId} are saved in ${prepared.plan.resultsDir} (records, manifest and rounds summary)`;
  };
  const interrupt = new Interrupt({
    notice: "stopping; the request in flight is not recorded (--resume makes it again)",
    silent: worker,
    beforePrint: () => progress.clear(),
    onForce: () => interruptedMessage(saved(), resume),
  }).install();
  const encoder = new TextEncoder();
  const onEvent = worker
    ? (e: RoundsEvent) => writeAll(encoder.encode(encodeWorkerEvent(e) + "\n"))
    : progress.wrap(printEvent);
  const result = await executeRounds(prepared, {
    onEvent,
    signal: interrupt.signal,
    worker: values.worker,
  })
    .finally(() => {
      interrupt.remove();
      progress.stop();
    });
  if (values.worker) return result.complete ? 0 : interrupt.interrupted ? 130 : 1;
  console.log(
    "\nEffect of each round against baseline (Welch interval of the mean difference, * = it excludes 0;" +
      " tok_s per request, agg_tok_s = all output tokens ÷ wall time of each concurrent window)",
  );
  const rows = result.summary.performance.map((r) => ({
    round: r.round,
    scenario: r.scenario,
    n: r.n,
    ttft_ms: fmt(r.ttft_ms.value),
    "Δttft": r.vs_baseline
      ? `${pct(r.vs_baseline.ttft_ms.relative)}${r.vs_baseline.ttft_ms.significant ? "*" : ""}`
      : "",
    tok_s: fmt(r.output_tokens_per_s.value),
    "Δtok_s": r.vs_baseline
      ? `${pct(r.vs_baseline.output_tokens_per_s.relative)}${
        r.vs_baseline.output_tokens_per_s.significant ? "*" : ""
      }`
      : "",
    conc: String(r.concurrency),
    agg_tok_s: fmt(r.aggregate_output_tokens_per_s?.value),
    "Δagg": r.vs_baseline ? pct(r.vs_baseline.aggregate_output_tokens_per_s_relative) : "",
    peak_mib: fmt(r.peak_rss_bytes.value === null ? null : r.peak_rss_bytes.value / 2 ** 20),
    "Δpeak": r.vs_baseline
      ? `${pct(r.vs_baseline.peak_rss_bytes.relative)}${
        r.vs_baseline.peak_rss_bytes.significant ? "*" : ""
      }`
      : "",
    draft_accept: r.draft_acceptance_rate === null ? "" : fmt(r.draft_acceptance_rate, 2),
  }));
  if (rows.length) console.log(textTable(rows));
  if (result.summary.quality.length) {
    console.log(
      `\nQuality (${
        result.summary.quality[0].task
      } subset, accuracy [Wilson 95% CI]; Δ on the same samples: Tango's paired interval, McNemar's test)`,
    );
    console.log(textTable(result.summary.quality.map((q) => ({
      round: q.round,
      n: q.accuracy.n,
      accuracy: fmt(q.accuracy.value, 3),
      ci95: q.accuracy.ci95 ? `[${fmt(q.accuracy.ci95[0], 3)}, ${fmt(q.accuracy.ci95[1], 3)}]` : "",
      "Δ vs baseline": q.vs_baseline?.value === null || !q.vs_baseline
        ? ""
        : `${fmt(q.vs_baseline.value, 3)} [${fmt(q.vs_baseline.ci95![0], 3)}, ${
          fmt(q.vs_baseline.ci95![1], 3)
        }]${q.vs_baseline.significant ? " *" : ""}`,
      "McNemar p": q.vs_baseline?.p_value == null ? "" : fmt(q.vs_baseline.p_value, 3),
    }))));
  }
  for (const r of result.summary.rounds.filter((r) => r.status !== "run")) {
    console.log(`${r.status}: ${r.id}: ${r.reason ?? ""}`);
  }
  console.log(`\n[Saved] ${relative(Deno.cwd(), result.summaryPath) || result.summaryPath}`);
  if (interrupt.interrupted) {
    console.error(interruptedMessage(saved(), resume));
    return 130;
  }
  if (!result.complete) {
    const failed = result.summary.rounds.filter((r) => r.status === "failed").length;
    if (failed) console.error(`${failed} round(s) of ${result.summary.rounds.length} failed`);
    console.error(`Run ${result.runId} is incomplete: continue with: ${resume}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
