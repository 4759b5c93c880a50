// deno-lint-ignore-file no-console
/**
 * `deno task perf --models <keys|all> --scenarios <names|all> --runs N --warmup N --seed N
 *  [--sweep prompt=N,... output=N,...] [--concurrency N,...] [--target-ci P% --min-runs N]
 *  [--resume [RUN_ID]] [--base-url URL] [--allow-remote] [--results-dir DIR] [--config-dir DIR]
 *  [--no-load]`
 * @module
 */
import { relative, resolve } from "node:path";
import { powerWarnings } from "../env/mod.ts";
import type { Environment } from "../env/mod.ts";
import {
  executePerf,
  type PerfEvent,
  type PerfSummary,
  preparePerf,
  summarizePerf,
  sweepFits,
  sweepSamples,
  throughputLatencyCurve,
  workerEventLine,
} from "../perf/mod.ts";
import { perfProgress } from "../progress/mod.ts";
import { PerfRecordSchema, readJsonl } from "../results/mod.ts";
import {
  dirFlag,
  fmt,
  fmtCi,
  fmtMib,
  intFlag,
  parseFlagsWithResume,
  runMain,
  UsageError,
} from "./_common.ts";
import { Interrupt, interruptedMessage, resumeCommand } from "./_interrupt.ts";
import { CliProgress, PROGRESS_HELP, PROGRESS_OPTIONS, progressModeOf } from "./_progress.ts";

const HELP = `Usage: deno task perf [options]

  --models <keys|all>      model keys from configs/models.yaml (default: stories260k)
  --scenarios <names|all>  scenarios from configs/scenarios.yaml (default: all)
  --runs N                 measured requests per scenario (default: experiment.yaml, 20)
  --warmup N               warm-up requests, recorded but excluded (default: 3)
  --seed N                 sampling seed (default: 42)
  --sweep GRID             length sweep: prompt=128,512,2048,8192 output=32,128,512 (synthetic
                           prompts of exactly that many tokens by the model's tokenizer, cache
                           off); no grid: the sweep: block of scenarios.yaml. Replaces
                           --scenarios unless that is given too
  --concurrency N,N,...    run each scenario at each level (e.g. 1,2,4,8): aggregate tokens/s
                           and per-request percentiles per level (embedded: as many sequences)
  --target-ci P%           adaptive repetitions: stop a scenario once the 95 % intervals of mean
                           TTFT and mean output t/s are within P% of the mean (--runs: maximum)
  --min-runs N             adaptive: measured requests before the rule is checked (default 5)
  --resume [RUN_ID]        continue the latest unfinished run (or RUN_ID) from its records
  --base-url URL           server URL for lmstudio/openai models (overrides the config);
                           loopback only (127.0.0.0/8, ::1, localhost) unless --allow-remote
  --allow-remote           accept non-loopback servers: prompts leave this machine (recorded as
                           a data-egress finding in the manifest)
  --results-dir DIR        where JSONL records and the manifest go (default: results/)
  --config-dir DIR         folder with experiment.yaml, models.yaml, scenarios.yaml
  --no-load                never load/unload LM Studio models, even when load.auto is set
  --server-pid PID         measure the memory of this server process (lmstudio/openai models;
                           overrides memory: in models.yaml, e.g. after a server restart)
${PROGRESS_HELP}
  --help`;

const OPTIONS = {
  models: { type: "string" },
  scenarios: { type: "string" },
  runs: { type: "string" },
  warmup: { type: "string" },
  seed: { type: "string" },
  sweep: { type: "string" },
  concurrency: { type: "string" },
  "target-ci": { type: "string" },
  "min-runs": { type: "string" },
  resume: { type: "boolean" },
  "base-url": { type: "string" },
  "allow-remote": { type: "boolean" },
  "results-dir": { type: "string" },
  "config-dir": { type: "string" },
  "no-load": { type: "boolean" },
  "server-pid": { type: "string" },
  worker: { type: "string" },
  ...PROGRESS_OPTIONS,
  help: { type: "boolean" },
} as const;

const RULE = "─".repeat(48);

/** Aggregate throughput of a concurrent run, beside its per-request figures. */
function aggregateLine(s: PerfSummary): string {
  const a = s.aggregate_output_tokens_per_s;
  if (!a || a.value === null) return `Aggregate t/s:  n/a (no complete concurrent window)`;
  return `Aggregate t/s:  ${
    fmtCi(a, 1)
  } all streams, ${a.windows} window(s) of ${s.concurrency} concurrent requests`;
}

/** The seed's summary block. */
export function summaryBlock(s: PerfSummary, durationMs: number, path: string): string {
  return [
    "",
    `RESULTS SUMMARY  ${s.model_key} / ${s.scenario}`,
    RULE,
    `TTFT:           ${fmtCi(s.ttft_ms.mean, 1, " ms")}`,
    `Output t/s:     ${fmtCi(s.output_tokens_per_s.mean, 1)}${
      s.concurrency > 1 ? " per request" : ""
    }`,
    ...(s.concurrency > 1 ? [aggregateLine(s)] : []),
    `E2E latency:    ${fmtCi(s.e2e_ms.mean, 1, " ms")}`,
    ...percentileLines(s),
    `Peak RAM:       ${fmtMib(s.peak_rss_bytes)}`,
    `Success rate:   ${
      fmt(s.success_rate === null ? null : s.success_rate * 100, 1)
    }% (${s.succeeded}/${s.n}, ${s.warmups} warm-up(s) excluded)`,
    ...(s.output_valid
      ? [
        `Valid JSON:     ${
          fmtCi(
            {
              value: s.output_valid.value === null ? null : s.output_valid.value * 100,
              ci95: s.output_valid.ci95
                ? [s.output_valid.ci95[0] * 100, s.output_valid.ci95[1] * 100]
                : null,
              ci_method: s.output_valid.ci_method,
            },
            1,
            "%",
          )
        }`,
      ]
      : []),
    `Token counts:   ${s.token_count_sources.join(", ")}`,
    `Prompt cache:   ${promptCacheLine(s)}`,
    ...(s.energy
      ? [
        `Energy:         ${fmt(s.energy.joules_per_token, 3)} J/token, ${
          fmt(s.energy.joules_per_request, 2)
        } J/request (${s.energy.source}, mean ${fmt(s.energy.mean_watts, 1)} W)`,
      ]
      : s.energy_note
      ? [`Energy:         ${s.energy_note}`]
      : []),
    ...(s.throttled.known
      ? [`Throttled:      ${s.throttled.n} of ${s.throttled.known} measured request(s)`]
      : []),
    ...(s.adaptive
      ? [
        `Adaptive:       ${s.adaptive.runs_used} run(s) of at most ${s.adaptive.rule.max_runs} (${
          s.adaptive.stopped_by === "target"
            ? `target ±${fmt(s.adaptive.rule.target_ci * 100, 1)}% met`
            : s.adaptive.stopped_by
        }; half-width TTFT ${fmt(pct(s.adaptive.half_width.ttft_ms), 1)}%, t/s ${
          fmt(pct(s.adaptive.half_width.output_tokens_per_s), 1)
        }%)`,
      ]
      : []),
    `Duration:       ${fmt(durationMs / 1000, 1)}s`,
    RULE,
    `[Saved] Results saved to ${path}`,
  ].join("\n");
}

const pct = (x: number | null) => x === null ? null : x * 100;

/** p50/p90/p99 of TTFT, ITL and E2E, and the chunks behind the ITL. */
function percentileLines(s: PerfSummary): string[] {
  const l = s.latency;
  const row = (name: string, p: PerfSummary["latency"]["ttft_ms"]) =>
    `${name} p50/p90/p99 ${fmt(p.p50.value, 1)} / ${fmt(p.p90.value, 1)} / ${
      fmt(p.p99.value, 1)
    } ms`;
  const multi = l.multi_token_chunks
    ? ` (${l.multi_token_chunks} of ${l.chunks} chunks carried several tokens: not per-token)`
    : "";
  return [
    `Percentiles:    ${row("TTFT", l.ttft_ms)}; ${row("E2E", l.e2e_ms)}`,
    `ITL:            ${
      l.itl_gaps
        ? `${row("", l.itl_ms).trim()} over ${l.itl_gaps} gaps${multi}`
        : "n/a (no chunk times)"
    }`,
  ];
}

/** What the summary says about prompt-cache reuse (cold scenarios with hits are flagged). */
export function promptCacheLine(s: PerfSummary): string {
  const c = s.prompt_cache;
  const n = s.succeeded;
  const seen = c.reported === 0
    ? "the server does not report cached tokens"
    : `${c.hits}/${c.reported} record(s) from the cache (median ${c.median_cached_tokens} cached tokens)`;
  const prefill = s.prefill_token_sources.includes("processed")
    ? "; prefill t/s over processed tokens"
    : "";
  if (c.mode === "warm") {
    return `warm (prefix reuse allowed, labelled warm-cache): ${seen}${prefill}`;
  }
  const flag = c.hits > 0
    ? ` ⚠ ${c.hits} of ${n} measured prompts came from the cache: TTFT understates prefill`
    : "";
  return `cold (a unique request id opens each prompt): ${seen}${prefill}${flag}`;
}

/**
 * `--resume RUN --worker UNIT`: run one `<model>/<scenario>` of a run in this fresh process (the
 * parent runs each embedded scenario so, for its own peak memory), and send the events to the
 * parent as lines on stdout.
 */
async function worker(values: ReturnType<typeof parseFlagsWithResume<typeof OPTIONS>>) {
  const prepared = await preparePerf({
    resume: values.resume,
    resultsDir: dirFlag("results-dir", values["results-dir"]),
  });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  const serverPid = intFlag("server-pid", values["server-pid"], { min: 1 });
  const result = await executePerf(prepared, {
    worker: values.worker,
    onEvent: (e) => console.log(workerEventLine(e)),
    signal: controller.signal,
    serverPids: serverPid === undefined ? undefined : { [values.worker!.split("/")[0]]: serverPid },
  }).finally(() => Deno.removeSignalListener("SIGINT", onSignal));
  return result.complete ? 0 : controller.signal.aborted ? 130 : 1;
}

/** A percentage flag (`5%`, `5` or `0.05`) as a share. */
function percentFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
  if (!m) {
    throw new UsageError(
      `Flag --${name} must be a percentage such as 5% or 0.05: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  const x = Number(m[1]);
  return m[2] || x >= 1 ? x / 100 : x;
}

/** `--sweep prompt=... output=...`: the grid may come as separate words after the flag. */
function joinSweepWords(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--sweep") {
      const words: string[] = [];
      while (i + 1 < args.length && /^(prompt|output)(_tokens)?=/.test(args[i + 1])) {
        words.push(args[++i]);
      }
      out.push(`--sweep=${words.join(" ")}`);
    } else out.push(a);
  }
  return out;
}

/** After a sweep: the fitted TTFT line per model; after a concurrency sweep: the curve. */
async function printSweepAndCurves(
  summaries: PerfSummary[],
  files: string[],
  dir: string,
): Promise<void> {
  const records = [];
  for (const f of new Set(files)) {
    const read = await readJsonl(`${dir}/${f}`, PerfRecordSchema).catch(() => null);
    if (read) records.push(...read.records.filter((r) => r.sweep !== null));
  }
  for (const fit of sweepFits(sweepSamples(records))) {
    if (fit.slope === null) continue;
    console.log(
      `[Sweep] ${fit.model_key}: TTFT = ${fmt(fit.overhead_ms, 1)} ms + ${
        fmt(fit.ms_per_prompt_token, 4)
      } ms/token × prompt tokens (slope 95 % CI ${
        fit.slope_ci95 ? `[${fmt(fit.slope_ci95[0], 4)}, ${fmt(fit.slope_ci95[1], 4)}]` : "n/a"
      }, R² ${fmt(fit.r2, 3)}, n ${fit.n}; ≈ ${
        fmt(fit.implied_prefill_tokens_per_s, 0)
      } prefill t/s)`,
    );
  }
  const levels = new Set(summaries.map((s) => s.concurrency));
  if (levels.size > 1) {
    for (const p of throughputLatencyCurve(summaries)) {
      console.log(
        `[Curve] ${p.model_key}/${p.scenario} c=${p.concurrency}: ${
          fmt(p.aggregate_tokens_per_s.value, 1)
        } t/s aggregate, ITL p50 ${fmt(p.itl_p50_ms.value, 1)} ms, TTFT p50 ${
          fmt(p.ttft_p50_ms.value, 1)
        } ms${p.knee ? "  ← knee" : ""}`,
      );
    }
  }
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlagsWithResume(joinSweepWords(args), OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.worker) {
    if (typeof values.resume !== "string") {
      throw new UsageError("Flag --worker needs --resume RUN_ID (it is started by a perf run)");
    }
    return worker(values);
  }
  const baseUrl = values["base-url"];
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
    throw new UsageError(
      `Flag --base-url must be a URL: current value is ${JSON.stringify(baseUrl)}`,
    );
  }
  const targetCi = percentFlag("target-ci", values["target-ci"]);
  const minRuns = intFlag("min-runs", values["min-runs"], { min: 1 });
  if (minRuns !== undefined && targetCi === undefined) {
    throw new UsageError("Flag --min-runs needs --target-ci (adaptive repetitions)");
  }
  const serverPid = intFlag("server-pid", values["server-pid"], { min: 1 });
  const prepared = await preparePerf({
    models: values.models,
    scenarios: values.scenarios,
    overrides: {
      runs: intFlag("runs", values.runs, { min: 1 }),
      warmup: intFlag("warmup", values.warmup, { min: 0 }),
      seed: intFlag("seed", values.seed, { min: 0 }),
      ...(targetCi !== undefined
        ? {
          adaptive: {
            target_ci: targetCi,
            ...(minRuns !== undefined ? { min_runs: minRuns } : {}),
          },
        }
        : {}),
    },
    sweep: values.sweep,
    concurrency: values.concurrency === undefined
      ? undefined
      : values.concurrency.split(",").map((c) => intFlag("concurrency", c.trim(), { min: 1 })!),
    resume: values.resume,
    configDir: dirFlag("config-dir", values["config-dir"], { mustExist: true }),
    resultsDir: dirFlag("results-dir", values["results-dir"]),
    baseUrl,
    allowRemote: values["allow-remote"] === true,
  });
  if (
    prepared.resumed &&
    (values.models || values.scenarios || values.runs || values.warmup || values.seed ||
      values.sweep !== undefined || values.concurrency || values["target-ci"])
  ) {
    console.error(
      "note: --resume continues the run with its recorded config; --models/--scenarios/--runs/--warmup/--seed/--sweep/--concurrency/--target-ci are ignored",
    );
  }
  const { plan } = prepared;
  console.log("=".repeat(60));
  console.log("EDGE SLM PERFORMANCE BENCHMARK");
  console.log("=".repeat(60));
  const modelKeys = [...new Set(plan.units.map((u) => u.modelKey))];
  console.log(`Models (${modelKeys.length}):`);
  for (const k of modelKeys) {
    const m = plan.models[k];
    console.log(`  - ${m.name} [${m.format}] (${k}, backend ${m.backend})`);
  }
  console.log(
    `Scenarios: [${
      [...new Set(plan.units.map((u) => u.scenario))].map((s) => `'${s}'`).join(", ")
    }]`,
  );
  console.log(
    `Runs: ${plan.experiment.runs}  Warm-up: ${plan.experiment.warmup}  Seed: ${plan.experiment.seed}  Temperature: ${plan.experiment.temperature}`,
  );
  console.log(`Run id: ${plan.runId}${prepared.resumed ? " (resumed)" : ""}`);
  console.log(`Config hash: ${plan.configHash}`);
  for (const e of Object.values(prepared.endpoints)) {
    if (e.data_egress) {
      console.error(
        `warning: data egress: ${e.model_key} sends prompts to ${e.url} (allowed by ${e.allowed_by})`,
      );
    }
  }

  const powerShown = new Set<string>();
  const unitStart = new Map<string, number>();
  const progress = new CliProgress("perf", perfProgress(plan), progressModeOf(values));
  const resume = resumeCommand("perf", plan.runId, {
    "results-dir": values["results-dir"] && plan.resultsDir,
    "config-dir": values["config-dir"] && resolve(values["config-dir"]),
    "base-url": baseUrl,
    "no-load": values["no-load"],
    "server-pid": values["server-pid"],
    progress: values.progress,
    quiet: values.quiet,
  });
  const saved = (files: number) => {
    const s = progress.snapshot()!;
    return `${s.runDone}/${s.runTotal} requests of run ${plan.runId} are saved in ${plan.resultsDir} (${files} records file(s) and the manifest)`;
  };
  const interrupt = new Interrupt({
    notice: "stopping; the request in flight is not recorded (--resume makes it again)",
    beforePrint: () => progress.clear(),
    onForce: () => interruptedMessage(saved(unitStart.size), resume),
  }).install();
  const onEvent = progress.wrap((e: PerfEvent) => {
    switch (e.type) {
      case "model_start":
        if (e.model.backend === "lmstudio") {
          console.log("");
          console.log("⚠️  IMPORTANT: make sure this model is loaded in LM Studio:");
          console.log(`    ID: ${e.model.model_id}`);
          console.log(`    Expected format: ${e.model.format} ${e.model.quantization}`);
        }
        break;
      case "model_ready":
        console.log(
          `\n[Check] ${e.modelKey}: ${e.facts.id} ${e.facts.format ?? "?"} ${
            e.facts.quantization ?? ""
          } is ready ✓` +
            (e.loadTimeMs !== null ? ` (loaded in ${fmt(e.loadTimeMs / 1000, 1)} s)` : ""),
        );
        break;
      case "model_failed":
        console.error(`\n[Refused] ${e.modelKey}: ${e.error.message}`);
        break;
      case "unit_start":
        unitStart.set(`${e.unit.modelKey}/${e.unit.scenario}`, performance.now());
        if (e.alreadyDone) {
          console.log(
            `[Resume] ${e.unit.modelKey}/${e.unit.scenario}: ${e.alreadyDone}/${e.planned} already recorded`,
          );
        }
        break;
      case "rewarm":
        console.log(`[Resume] re-warming the engine with ${e.requests} unrecorded request(s)`);
        break;
      case "unit_aborted":
        console.error(`[Stopped] ${e.unit.modelKey}/${e.unit.scenario}: ${e.reason}`);
        break;
      case "adaptive_stop":
        console.log(
          `[Adaptive] ${e.unit.modelKey}/${e.unit.scenario}: intervals narrow enough after ${e.runs} run(s) (TTFT ±${
            fmt(pct(e.half_width.ttft_ms), 1)
          }%, t/s ±${fmt(pct(e.half_width.output_tokens_per_s), 1)}%)`,
        );
        break;
      case "unit_note":
        console.error(`[Note] ${e.unit.modelKey}/${e.unit.scenario}: ${e.note}`);
        break;
      case "power_status":
        if (!powerShown.has(e.unit.modelKey)) {
          powerShown.add(e.unit.modelKey);
          console.log(`[Power] energy: ${e.energy}; heat: ${e.thermal}`);
        }
        break;
      case "unit_refused":
        console.error(`[Refused] ${e.unit.modelKey}/${e.unit.scenario}: ${e.reason}`);
        break;
      case "memory_target":
        if (e.note) console.error(`[Memory] ${e.modelKey}: not measured: ${e.note}`);
        else {
          console.log(
            `[Memory] ${e.modelKey}: ${
              e.pids.length
                ? `process tree of pid ${e.pids.join(", ")}`
                : `processes matching /${e.pattern}/`
            }`,
          );
        }
        break;
      case "unit_done": {
        const started = unitStart.get(`${e.unit.modelKey}/${e.unit.scenario}`) ?? performance.now();
        const a = plan.experiment.adaptive;
        const summary = e.summary ?? summarizePerf(e.records, {
          seed: plan.experiment.seed,
          adaptive: a
            ? { target_ci: a.target_ci, min_runs: a.min_runs, max_runs: plan.experiment.runs }
            : null,
        });
        console.log(
          summaryBlock(
            summary,
            performance.now() - started,
            relative(Deno.cwd(), e.path) || e.path,
          ),
        );
        console.log(
          `Scenario peak RSS (incl. warm-ups): ${fmtMib(e.scenarioPeak.peak_rss_bytes)}` +
            (e.scenarioPeak.peak_system_used_bytes !== null
              ? `, system used: ${fmtMib(e.scenarioPeak.peak_system_used_bytes)}`
              : ""),
        );
        break;
      }
    }
  });
  const result = await executePerf(prepared, {
    onEvent,
    serverPids: serverPid === undefined
      ? undefined
      : Object.fromEntries(modelKeys.map((k) => [k, serverPid])),
    signal: interrupt.signal,
    backend: { onDownloadProgress: (p) => progress.download(p) },
    allowLoad: !values["no-load"],
    onEnvironment: (env) => {
      // The seed's method needs a plugged-in machine with power saving off.
      for (const w of powerWarnings(env as unknown as Environment)) console.error(`warning: ${w}`);
    },
  }).finally(() => {
    interrupt.remove();
    progress.stop();
  });
  await printSweepAndCurves(result.summaries, Object.values(result.files), plan.resultsDir);
  console.log("");
  console.log(`Manifest: ${relative(Deno.cwd(), result.manifestPath) || result.manifestPath}`);
  if (interrupt.interrupted) {
    console.error(interruptedMessage(saved(Object.keys(result.files).length), resume));
    return 130;
  }
  if (!result.complete) {
    if (result.failures.length) console.error("Not finished:");
    for (const f of result.failures) {
      console.error(`  - ${f.round ? `${f.round}/` : ""}${f.modelKey}: ${f.message}`);
    }
    console.error(`Run ${result.runId} is incomplete: fix the cause, then resume with: ${resume}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
