// deno-lint-ignore-file no-console
/**
 * `deno task eval --task <name> --model <key|model id> [--sample-size N] [--seed N]
 *  [--concurrency N] [--resume [RUN_ID]] [--shots K] [--constrained] [--agreement A]
 *  [--embedding-model KEY] [--base-url URL] [--allow-remote] [--results-dir DIR] [--data-dir DIR]
 *  [--config-dir DIR] [--unsafe-no-sandbox]`
 * @module
 */
import { basename, relative, resolve } from "node:path";
import { type EvalEvent, type EvalSessionResult, executeEval, prepareEval } from "../eval/mod.ts";
import { evalProgress } from "../progress/mod.ts";
import type { EvalSummary } from "../results/mod.ts";
import { loadProjectConfig, lookup } from "../config/mod.ts";
import { harnessComparison } from "./_harness.ts";
import {
  dirFlag,
  fmt,
  fmtCi,
  intFlag,
  parseFlagsWithResume,
  runMain,
  UsageError,
} from "./_common.ts";
import { Interrupt, interruptedMessage, resumeCommand } from "./_interrupt.ts";
import { CliProgress, PROGRESS_HELP, PROGRESS_OPTIONS, progressModeOf } from "./_progress.ts";

const HELP = `Usage: deno task eval --task <name> [options]

  --task <name>            task from configs/tasks.yaml (banking77, financial_phrasebank, coding,
                           mmlu_mini, gsm8k_mini, summarization, realistic)
  --model <key|id>         model key from configs/models.yaml, or a model id configured exactly
                           once (default: stories260k)
  --models <keys|all>      several models in turn (comma-separated keys, or all of models.yaml):
                           one run and one summary each, then a line per model
  --use-harness            run the task through lm-evaluation-harness (lm_eval, its
                           local-chat-completions model) against the model's OpenAI-compatible
                           server too, import its samples and print both accuracies
  --sample-size N          samples to evaluate (stratified by label where the task has labels;
                           seeded); default: the task's sample_size
  --seed N                 seed of sampling, few-shot selection and generation (default: 42)
  --concurrency N          requests in flight at once (default: 1); results do not depend on it
  --resume [RUN_ID]        continue the latest unfinished eval run (of --task and its settings
                           when given, or RUN_ID): samples already recorded are skipped
  --shots K                few-shot examples (banking77 from train; mmlu from dev; gsm8k)
  --constrained            send a JSON-schema enum of the labels (classification tasks)
  --agreement A            Financial PhraseBank subset: 50Agree (default), 66Agree, 75Agree, AllAgree
  --embedding-model KEY    summarization: add embedding_cosine with this embedded model
  --base-url URL           server URL for lmstudio/openai models (overrides the config);
                           loopback only (127.0.0.0/8, ::1, localhost) unless --allow-remote
  --allow-remote           accept a non-loopback server: prompts leave this machine (recorded
                           as a data-egress finding in the manifest)
  --results-dir DIR        where JSONL records, the summary and the manifest go (default: results/)
  --data-dir DIR           folder of datasets laid out <dataset>/<file> (else EDGE_BENCH_DATA_DIR,
                           the repository's data/datasets/, the user cache, then a pinned download)
  --config-dir DIR         folder with experiment.yaml, models.yaml, tasks.yaml
  --unsafe-no-sandbox      coding: where no sandbox works on this machine, run model-written
                           code without isolation (a sandbox that works is still used)
${PROGRESS_HELP}
  --help`;

const OPTIONS = {
  task: { type: "string" },
  model: { type: "string" },
  models: { type: "string" },
  "use-harness": { type: "boolean" },
  "sample-size": { type: "string" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  resume: { type: "boolean" },
  shots: { type: "string" },
  constrained: { type: "boolean" },
  agreement: { type: "string" },
  "embedding-model": { type: "string" },
  "base-url": { type: "string" },
  "allow-remote": { type: "boolean" },
  "results-dir": { type: "string" },
  "data-dir": { type: "string" },
  "config-dir": { type: "string" },
  "unsafe-no-sandbox": { type: "boolean" },
  ...PROGRESS_OPTIONS,
  help: { type: "boolean" },
} as const;

const RULE = "─".repeat(56);
const pct = (e: { value: number; ci95: [number, number]; ci_method?: string } | undefined) =>
  e
    ? fmtCi(
      { value: e.value * 100, ci95: [e.ci95[0] * 100, e.ci95[1] * 100], ci_method: e.ci_method },
      1,
      "%",
    )
    : "n/a";

/** Where macro-F1's average runs: `over 12 of 77 labels (present in the references)`. */
function labelsNote(f1: EvalSummary["metrics"]["macro_f1"]): string {
  if (!f1 || f1.labels_averaged === undefined) return "";
  const of = f1.label_set_size === undefined ? "" : ` of ${f1.label_set_size}`;
  return f1.average === "label set"
    ? ` over all ${f1.labels_averaged} labels`
    : ` over ${f1.labels_averaged}${of} labels (present in the references)`;
}

/** The results block printed at the end of a run. */
export function summaryBlock(s: EvalSummary, paths: { records: string; summary: string }): string {
  const m = s.metrics;
  const extra: string[] = [];
  for (const [name, value] of Object.entries(m)) {
    if (
      ["n", "invalid_rate", "error_rate", "invalid", "errors", "accuracy", "macro_f1"].includes(
        name,
      )
    ) continue;
    const v = value as {
      value?: number;
      ci95?: [number, number];
      ci_method?: string;
      share?: number | null;
    };
    if (typeof v?.value === "number" && Array.isArray(v.ci95)) {
      extra.push(
        `${(name + ":").padEnd(16)}${
          fmtCi({ value: v.value, ci95: v.ci95, ci_method: v.ci_method }, 3)
        }`,
      );
    } else if (name === "prompt_cache" && v) {
      extra.push(
        `Prompt cache:   ${
          fmt(v.share === null || v.share === undefined ? null : v.share * 100, 1)
        }% of prompt tokens served from cache`,
      );
    }
  }
  const groups = Object.entries(s.groups ?? {}).map(([g, v]) =>
    `  ${g}: ${pct(v.accuracy ?? undefined)} (n=${v.n})`
  );
  return [
    "",
    `RESULTS SUMMARY  ${s.task} / ${s.model_key}`,
    RULE,
    `Samples:        ${m.n}/${s.planned}${s.complete ? "" : " (incomplete)"}`,
    ...(m.accuracy ? [`Accuracy:       ${pct(m.accuracy)}`] : []),
    ...(m.macro_f1 ? [`Macro-F1:       ${pct(m.macro_f1)}${labelsNote(m.macro_f1)}`] : []),
    `Invalid rate:   ${fmt(m.invalid_rate * 100, 1)}% (${m.invalid})`,
    ...(m.invalid_reasons && m.invalid > 0
      ? [
        `Invalid causes: ${
          Object.entries(m.invalid_reasons).filter(([k, v]) => k !== "error" && v.count > 0)
            .map(([k, v]) => `${k.replace(/_/g, " ")} ${v.count}`).join(", ")
        }`,
      ]
      : []),
    `Error rate:     ${fmt(m.error_rate * 100, 1)}% (${m.errors})`,
    ...(m.length_cut_rate !== undefined
      ? [
        `Cut by length:  ${fmt(m.length_cut_rate * 100, 1)}% (${m.length_cut}) at max_tokens ${
          s.settings.max_tokens ?? "?"
        }`,
      ]
      : []),
    `Latency:        mean ${fmtCi(s.latency_ms.mean, 0, " ms")}, median ${
      fmt(s.latency_ms.median.value, 0)
    } ms`,
    ...extra,
    ...(groups.length ? ["Per group:", ...groups] : []),
    RULE,
    `[Saved] Records: ${paths.records}`,
    `[Saved] Summary: ${paths.summary}`,
  ].join("\n");
}

const rel = (p: string) => relative(Deno.cwd(), p) || p;

type Values = ReturnType<typeof parseFlagsWithResume<typeof OPTIONS>>;

/** What --unsafe-no-sandbox really does for this task, from the task's recorded settings. */
export function unsafeFlagNote(settings: Record<string, unknown>): string {
  const sandbox = settings.sandbox;
  if (typeof sandbox !== "string") {
    return "--unsafe-no-sandbox has no effect: only the coding task runs model-written code";
  }
  if (sandbox === "none") {
    return `--unsafe-no-sandbox: no sandbox works on this machine, so model-written code runs ` +
      `with ${settings.isolation}`;
  }
  return `--unsafe-no-sandbox changes nothing here: the ${sandbox} sandbox works on this machine ` +
    `and model-written code still runs in it (${settings.isolation}); the flag only allows ` +
    `running without isolation where no sandbox works`;
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlagsWithResume(args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.models === undefined) return await evalOne(values);
  if (values.model !== undefined) {
    throw new UsageError(
      `Flags --model and --models cannot be used together: current values are ${
        JSON.stringify(values.model)
      } and ${JSON.stringify(values.models)}`,
    );
  }
  if (values.resume) {
    throw new UsageError("Flag --models cannot be used with --resume: resume one run at a time");
  }
  const project = await loadProjectConfig({
    configDir: dirFlag("config-dir", values["config-dir"], { mustExist: true }),
  });
  const available = Object.keys(project.models);
  const keys = values.models.trim() === "all"
    ? available
    : values.models.split(",").map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) throw new UsageError("Flag --models is empty: give keys or all");
  for (const k of keys) {
    try {
      lookup("model", project.models, k);
    } catch (error) {
      throw new UsageError(`Flag --models: ${(error as Error).message}`);
    }
  }
  const outcomes: { key: string; code: number; line: string }[] = [];
  for (const [i, key] of keys.entries()) {
    console.log(`\n[${i + 1}/${keys.length}] ${key}`);
    let line = "";
    const code = await evalOne({ ...values, model: key }, (s) => {
      line = s.metrics.accuracy ? `accuracy ${pct(s.metrics.accuracy)}` : "no accuracy";
    }).catch((error) => {
      if (error instanceof UsageError) throw error;
      line = `failed: ${(error as Error).message}`;
      return 1;
    });
    outcomes.push({ key, code, line });
    if (code === 130) break;
  }
  console.log(`\n${RULE}\nModels evaluated: ${outcomes.length}/${keys.length}`);
  for (const o of outcomes) {
    console.log(`  ${o.key.padEnd(28)} ${o.code === 0 ? "complete" : `exit ${o.code}`}  ${o.line}`);
  }
  return Math.max(0, ...outcomes.map((o) => o.code));
}

/** One eval run of one model (the flags of `main`); returns the exit code. */
async function evalOne(
  values: Values,
  onSummary?: (summary: EvalSummary) => void,
): Promise<number> {
  const baseUrl = values["base-url"];
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
    throw new UsageError(
      `Flag --base-url must be a URL: current value is ${JSON.stringify(baseUrl)}`,
    );
  }
  const concurrency = intFlag("concurrency", values.concurrency, { min: 1 }) ?? 1;
  const seed = intFlag("seed", values.seed, { min: 0 });
  const sampleSize = intFlag("sample-size", values["sample-size"], { min: 1 });
  const shots = intFlag("shots", values.shots, { min: 0 });
  const configDir = dirFlag("config-dir", values["config-dir"], { mustExist: true });
  const resultsDir = dirFlag("results-dir", values["results-dir"]);
  const dataDir = dirFlag("data-dir", values["data-dir"], { mustExist: true });
  let prepared;
  try {
    prepared = await prepareEval({
      task: values.task,
      model: values.model,
      seed,
      overrides: {
        sample_size: sampleSize,
        shots,
        constrained: values.constrained ? true : undefined,
        agreement: values.agreement,
        embedding_model: values["embedding-model"],
      },
      resume: values.resume,
      configDir,
      resultsDir,
      baseUrl,
      allowRemote: values["allow-remote"] === true,
    }, {
      data: dataDir ? { dataDir } : {},
      build: { allowUnsafe: values["unsafe-no-sandbox"] === true },
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    if (
      error instanceof Error &&
      /^(DatasetError|ModelFileError|SandboxUnavailableError)$/.test(error.name)
    ) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const { plan, task, config } = prepared;
  if (
    prepared.resumed && values.task === undefined &&
    (values.model || values["sample-size"] || values.shots || values.seed)
  ) {
    console.error(
      "note: --resume continues the run with its recorded config; other settings flags are ignored",
    );
  }
  console.log("=".repeat(60));
  console.log("EDGE SLM CAPABILITY EVALUATION");
  console.log("=".repeat(60));
  console.log(`Task:   ${plan.task} (${task.kind}): ${config.task.description}`);
  console.log(
    `Model:  ${config.model.name} [${config.model.format} ${config.model.quantization}] (${plan.modelKey}, backend ${config.model.backend})`,
  );
  if (config.model.backend === "lmstudio") {
    console.log("⚠️  IMPORTANT: make sure this model is loaded in LM Studio:");
    console.log(
      `    ID: ${config.model.model_id}   Expected format: ${config.model.format} ${config.model.quantization}`,
    );
  }
  console.log(
    `Samples: ${task.samples.length}  Seed: ${plan.seed}  Temperature: ${plan.temperature}  Concurrency: ${concurrency}`,
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
  if (values["unsafe-no-sandbox"]) console.error(`warning: ${unsafeFlagNote(task.settings)}`);

  const progress = new CliProgress("eval", evalProgress(prepared), progressModeOf(values));
  const resume = resumeCommand("eval", plan.runId, {
    "results-dir": values["results-dir"] && prepared.resultsDir,
    "config-dir": values["config-dir"] && resolve(values["config-dir"]),
    "data-dir": values["data-dir"] && resolve(values["data-dir"]),
    "base-url": baseUrl,
    concurrency: values.concurrency,
    "unsafe-no-sandbox": values["unsafe-no-sandbox"],
    progress: values.progress,
    quiet: values.quiet,
  });
  const saved = (n: number) =>
    `${n}/${task.samples.length} samples of run ${plan.runId} are saved in ${prepared.resultsDir} (${
      basename(plan.recordsPath)
    })`;
  let recorded = 0;
  const interrupt = new Interrupt({
    notice: "stopping; the samples in flight are not recorded (--resume makes them again)",
    beforePrint: () => progress.clear(),
    onForce: () => interruptedMessage(saved(recorded), resume),
  }).install();
  const onEvent = progress.wrap((e: EvalEvent) => {
    switch (e.type) {
      case "start":
        recorded = e.alreadyDone;
        if (e.alreadyDone) {
          console.log(`[Resume] ${e.alreadyDone}/${e.planned} samples already recorded`);
        }
        break;
      case "sample_done":
        recorded = e.done;
        break;
      case "stopped":
        if (!interrupt.interrupted) console.error(`[Stopped] ${e.reason}`);
        break;
    }
  });
  let result: EvalSessionResult;
  try {
    result = await executeEval(prepared, {
      concurrency,
      onEvent,
      signal: interrupt.signal,
      backend: { onDownloadProgress: (p) => progress.download(p) },
    });
  } finally {
    interrupt.remove();
    progress.stop();
  }
  console.log(
    summaryBlock(result.summary, {
      records: rel(result.recordsPath),
      summary: rel(result.summaryPath),
    }),
  );
  console.log(`Manifest: ${rel(result.manifestPath)}`);
  if (interrupt.interrupted) {
    console.error(interruptedMessage(saved(result.summary.metrics.n), resume));
    return 130;
  }
  onSummary?.(result.summary);
  if (values["use-harness"]) {
    const code = await harnessComparison(prepared, result, baseUrl);
    if (code !== 0) return code;
  }
  if (!result.complete) {
    if (result.failed > 0) console.error(`Not finished: ${result.reason}`);
    console.error(`Run ${plan.runId} is incomplete: fix the cause, then resume with: ${resume}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
