// deno-lint-ignore-file no-console
/**
 * `deno task eval --task <name> --model <key|model id> [--sample-size N] [--seed N]
 *  [--concurrency N] [--resume [RUN_ID]] [--shots K] [--constrained] [--agreement A]
 *  [--embedding-model KEY] [--base-url URL] [--results-dir DIR] [--data-dir DIR]
 *  [--config-dir DIR] [--unsafe-no-sandbox]`
 * @module
 */
import { relative } from "node:path";
import { type EvalEvent, type EvalSessionResult, executeEval, prepareEval } from "../eval/mod.ts";
import type { EvalSummary } from "../results/mod.ts";
import {
  fmt,
  fmtCi,
  intFlag,
  parseFlagsWithResume,
  ProgressBar,
  runMain,
  UsageError,
} from "./_common.ts";

const HELP = `Usage: deno task eval --task <name> [options]

  --task <name>            task from configs/tasks.yaml (banking77, financial_phrasebank, coding,
                           mmlu_mini, gsm8k_mini, summarization, realistic)
  --model <key|id>         model key from configs/models.yaml, or a model id configured exactly
                           once (default: stories260k)
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
  --base-url URL           server URL for lmstudio/openai models (overrides the config)
  --results-dir DIR        where JSONL records, the summary and the manifest go (default: results/)
  --data-dir DIR           folder of datasets laid out as shared/data (else EDGE_BENCH_DATA_DIR,
                           the user cache, then a pinned download)
  --config-dir DIR         folder with experiment.yaml, models.yaml, tasks.yaml
  --unsafe-no-sandbox      coding: run model-written code WITHOUT isolation
  --help`;

const OPTIONS = {
  task: { type: "string" },
  model: { type: "string" },
  "sample-size": { type: "string" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  resume: { type: "boolean" },
  shots: { type: "string" },
  constrained: { type: "boolean" },
  agreement: { type: "string" },
  "embedding-model": { type: "string" },
  "base-url": { type: "string" },
  "results-dir": { type: "string" },
  "data-dir": { type: "string" },
  "config-dir": { type: "string" },
  "unsafe-no-sandbox": { type: "boolean" },
  help: { type: "boolean" },
} as const;

const RULE = "─".repeat(56);
const pct = (e: { value: number; ci95: [number, number] } | undefined) =>
  e ? fmtCi({ value: e.value * 100, ci95: [e.ci95[0] * 100, e.ci95[1] * 100] }, 1, "%") : "n/a";

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
    const v = value as { value?: number; ci95?: [number, number]; share?: number | null };
    if (typeof v?.value === "number" && Array.isArray(v.ci95)) {
      extra.push(`${(name + ":").padEnd(16)}${fmtCi({ value: v.value, ci95: v.ci95 }, 3)}`);
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
    `Samples:        ${m.n}/${s.planned}${s.complete ? "" : " (incomplete: resume with --resume)"}`,
    ...(m.accuracy ? [`Accuracy:       ${pct(m.accuracy)}`] : []),
    ...(m.macro_f1 ? [`Macro-F1:       ${pct(m.macro_f1)}`] : []),
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

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlagsWithResume(args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const baseUrl = values["base-url"];
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
    throw new UsageError(
      `Flag --base-url must be a URL: current value is ${JSON.stringify(baseUrl)}`,
    );
  }
  const concurrency = intFlag("concurrency", values.concurrency) ?? 1;
  if (concurrency < 1) {
    throw new UsageError(`Flag --concurrency must be at least 1: current value is ${concurrency}`);
  }
  let prepared;
  try {
    prepared = await prepareEval({
      task: values.task,
      model: values.model,
      seed: intFlag("seed", values.seed),
      overrides: {
        sample_size: intFlag("sample-size", values["sample-size"]),
        shots: intFlag("shots", values.shots),
        constrained: values.constrained ? true : undefined,
        agreement: values.agreement,
        embedding_model: values["embedding-model"],
      },
      resume: values.resume,
      configDir: values["config-dir"],
      resultsDir: values["results-dir"],
    }, {
      data: values["data-dir"] ? { dataDir: values["data-dir"] } : {},
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
  if (values["unsafe-no-sandbox"]) {
    console.error("warning: --unsafe-no-sandbox: model-written code runs WITHOUT isolation");
  }

  const bar = new ProgressBar();
  bar.start(`${plan.task}/${plan.modelKey}`);
  const controller = new AbortController();
  const onSignal = () => {
    console.error("\nInterrupted: stopping (resume with --resume)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  const onEvent = (e: EvalEvent) => {
    switch (e.type) {
      case "start":
        if (e.alreadyDone) {
          console.log(`[Resume] ${e.alreadyDone}/${e.planned} samples already recorded`);
        }
        bar.update(e.alreadyDone, e.planned);
        break;
      case "sample_done":
        bar.update(
          e.done,
          e.planned,
          e.runningAccuracy === null ? "" : `acc ${fmt(e.runningAccuracy * 100, 1)}%` +
            (e.record.error ? ` (error: ${e.record.error.slice(0, 40)})` : ""),
        );
        break;
      case "stopped":
        bar.done();
        console.error(`[Stopped] ${e.reason}`);
        break;
    }
  };
  let result: EvalSessionResult;
  try {
    result = await executeEval(prepared, {
      concurrency,
      onEvent,
      signal: controller.signal,
      backend: {
        baseUrl,
        onDownloadProgress: (p) =>
          bar.update(p.receivedBytes, p.totalBytes ?? p.receivedBytes, "bytes downloaded"),
      },
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    bar.done();
  }
  console.log(
    summaryBlock(result.summary, {
      records: rel(result.recordsPath),
      summary: rel(result.summaryPath),
    }),
  );
  console.log(`Manifest: ${rel(result.manifestPath)}`);
  if (!result.complete) {
    console.error(
      `Run ${plan.runId} is incomplete: fix the cause, then run 'deno task eval --resume'`,
    );
    return controller.signal.aborted ? 130 : 1;
  }
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
