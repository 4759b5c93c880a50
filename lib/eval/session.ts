import { hostname } from "node:os";
import { join, resolve } from "node:path";
import {
  applyOverrides,
  ConfigError,
  configHash,
  type EndpointSources,
  type Experiment,
  ExperimentSchema,
  lmstudioEndpoint,
  loadProjectConfig,
  manifestEndpointSources,
  type ModelConfig,
  type ModelEndpoint,
  ModelSchema,
  parseWithSchema,
  PROJECT_ROOT,
  resolveModelEndpoints,
  resolveOutputPath,
} from "../config/mod.ts";
import {
  createBackend,
  type CreateBackendOptions,
  type CreatedBackend,
  type LmStudioBackend,
} from "../backends/mod.ts";
import type { ResolveDatasetOptions } from "../datasets/mod.ts";
import {
  type ActiveRun,
  beginRun,
  captureRunEnvironment,
  type EvalSummary,
  EvalSummarySchema,
  fileStamp,
  findRunToResume,
  type Manifest,
  readManifest,
  recordEndpoints,
  type RunEntry,
  stopRunWithError,
  writeFileAtomic,
} from "../results/mod.ts";
import {
  loadTasksConfig,
  type ResolvedTask,
  resolveTask,
  TaskConfigSchema,
  type TaskOverrides,
} from "./_config.ts";
import { createLlamaEmbedder } from "./_embedding.ts";
import { resolveModelKey } from "./_model_key.ts";
import { evalFileStem } from "./_names.ts";
import { buildTask, type BuildTaskOptions } from "./build.ts";
import { evalMetrics } from "./metrics.ts";
import { type EvalEvent, type EvalPlan, runEval } from "./runner.ts";
import type { EvalTask } from "./task.ts";

/** What the user asked for (the `deno task eval` flags). */
export interface EvalRequest {
  /** Task name from configs/tasks.yaml (not needed with --resume). */
  task?: string;
  /** Model key, or a model id configured exactly once. @default "stories260k" */
  model?: string;
  /** Overrides of the task's settings (sample size, shots, constrained, agreement, embedding). */
  overrides?: TaskOverrides;
  /** Seed of sampling, few-shot selection and generation. @default experiment.yaml's seed */
  seed?: number;
  /** Continue the latest unfinished run (true; of this task and settings when a task is given) or the run with this id. */
  resume?: boolean | string;
  /** Folder with experiment.yaml, models.yaml and tasks.yaml. @default "<project>/configs" */
  configDir?: string;
  /** Results folder; overrides experiment.results_dir. */
  resultsDir?: string;
  /** Server URL of an lmstudio/openai model (`--base-url`); not part of the config hash. */
  baseUrl?: string;
  /** Accept a non-loopback endpoint (`--allow-remote`); it is a recorded data-egress finding. */
  allowRemote?: boolean;
}

/** The serialised configuration of a run (hashed; stored in the manifest). */
export interface EvalRunConfig {
  kind: "eval";
  experiment: Omit<Experiment, "results_dir">;
  model_key: string;
  model: ModelConfig;
  task: ResolvedTask;
}

/** A run ready to execute: task built (datasets read), nothing written yet. */
export interface PreparedEval {
  plan: EvalPlan;
  config: EvalRunConfig;
  task: EvalTask;
  resultsDir: string;
  /** File names relative to resultsDir. */
  files: { records: string; summary: string };
  manifest: Manifest;
  run: RunEntry;
  resumed: boolean;
  /** The checked endpoint of the model when it is lmstudio/openai (also in `run.plan.endpoints`). */
  endpoints: Record<string, ModelEndpoint>;
}

/** Options for {@linkcode prepareEval}. */
export interface PrepareEvalOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default () => new Date() */
  date?: () => Date;
  /** Dataset resolution (the CLI's --data-dir). @default {} */
  data?: ResolveDatasetOptions;
  /** Coding sandbox settings (allowUnsafe, a replacement runner for tests). */
  build?: Pick<BuildTaskOptions, "allowUnsafe" | "runSandboxed">;
}

async function fromManifest(
  request: EvalRequest,
  resultsDir: string,
  hash: string | null,
): Promise<{ manifest: Manifest; run: RunEntry; config: EvalRunConfig; file: string }> {
  const found = await findRunToResume(resultsDir, "eval", request.resume || true, {
    configHash: hash,
    missing: hash === null
      ? "has no unfinished eval run to resume"
      : "has no unfinished eval run of this task, model and settings to resume",
  });
  const file = found.file;
  const raw = found.manifest.config as Record<string, unknown>;
  const rawTask = (raw.task ?? {}) as Record<string, unknown>;
  const { name, prompt_template, system_prompt, ...taskFields } = rawTask;
  const task = parseWithSchema(taskFields, TaskConfigSchema, file, { pathPrefix: "config.task" });
  const { results_dir: _r, ...experiment } = parseWithSchema(
    raw.experiment,
    ExperimentSchema,
    file,
    {
      pathPrefix: "config.experiment",
    },
  );
  const config: EvalRunConfig = {
    kind: "eval",
    experiment,
    model_key: String(raw.model_key),
    model: parseWithSchema(raw.model, ModelSchema, file, { pathPrefix: "config.model" }),
    task: {
      ...task,
      name: String(name),
      prompt_template: String(prompt_template),
      system_prompt: typeof system_prompt === "string" ? system_prompt : null,
    },
  };
  return { manifest: found.manifest, run: found.run, config, file };
}

/**
 * Resolve configs and flags (or a manifest, for --resume) into a run, check the model's endpoint
 * against the endpoint policy, then build the task (which reads the datasets). Throws
 * ConfigError (EndpointError for a refused endpoint) or UnknownNameError on bad input; writes
 * nothing.
 */
export async function prepareEval(
  request: EvalRequest,
  options: PrepareEvalOptions = {},
): Promise<PreparedEval> {
  const date = options.date ?? (() => new Date());
  const project = await loadProjectConfig({ configDir: request.configDir, env: options.env });
  const resultsDir = request.resultsDir
    ? resolve(request.resultsDir)
    : resolveOutputPath(project.experiment.results_dir);
  let config: EvalRunConfig | null = null;
  if (request.task === undefined && !request.resume) {
    throw new ConfigError("<command line>", "--task", undefined, "is required (or use --resume)");
  }
  if (request.task !== undefined) {
    const { file, tasks } = await loadTasksConfig(
      request.configDir ?? join(PROJECT_ROOT, "configs"),
    );
    const task = await resolveTask(tasks, request.task, { file, overrides: request.overrides });
    const modelKey = resolveModelKey(project.models, request.model ?? "stories260k");
    const { results_dir: _r, ...experiment } = applyOverrides(project.experiment, {
      seed: request.seed,
    });
    config = {
      kind: "eval",
      experiment,
      model_key: modelKey,
      model: project.models[modelKey],
      task,
    };
  }
  const hash = config ? await configHash(config) : null;
  let manifest: Manifest;
  let run: RunEntry;
  let resumed = false;
  let sources: EndpointSources = project.endpointSources;
  if (request.resume) {
    const found = await fromManifest(request, resultsDir, hash);
    ({ manifest, run, config } = found);
    sources = manifestEndpointSources(found.file, () => "config.model");
    resumed = true;
  } else {
    const cfg = config!;
    const now = date();
    const stem = evalFileStem({
      task: cfg.task.name,
      kind: cfg.task.kind,
      modelId: cfg.model.model_id,
      format: cfg.model.format,
      quantization: cfg.model.quantization,
      date: now,
    });
    manifest = (await readManifest(resultsDir, hash!)) ?? {
      schema_version: 1,
      config_hash: hash!,
      config: cfg as unknown as Record<string, unknown>,
      runs: [],
    };
    run = {
      run_id: `eval_${cfg.task.name}_${fileStamp(now)}_${hash!.slice(0, 8)}`,
      kind: "eval",
      status: "running",
      started_at: now.toISOString(),
      updated_at: now.toISOString(),
      resumed_at: [],
      plan: { task: cfg.task.name, model_key: cfg.model_key },
      files: { records: `${stem}.jsonl`, summary: `${stem}.json` },
      environments: [],
      notes: [],
    };
  }
  const cfg = config!;
  const endpoints = resolveModelEndpoints({ [cfg.model_key]: cfg.model }, cfg.experiment, {
    baseUrl: request.baseUrl,
    allowRemote: request.allowRemote,
    sources,
    env: options.env,
  });
  recordEndpoints(run, endpoints);
  const embedderEnv = options.env;
  const task = await buildTask(cfg.task, {
    seed: cfg.experiment.seed,
    data: options.data,
    createEmbedder: async (key) => {
      const model = project.models[key] ?? (() => {
        throw new ConfigError(
          "<config>",
          "embedding_model",
          key,
          `is not a key of configs/models.yaml (available: ${
            Object.keys(project.models).join(", ")
          })`,
        );
      })();
      return await createLlamaEmbedder(model, { env: embedderEnv, name: key });
    },
    ...options.build,
  });
  run.plan = { ...run.plan, samples: task.samples.length };
  const files = { records: run.files.records, summary: run.files.summary };
  return {
    plan: {
      runId: run.run_id,
      configHash: manifest.config_hash,
      task: cfg.task.name,
      modelKey: cfg.model_key,
      model: cfg.model,
      seed: cfg.experiment.seed,
      temperature: cfg.experiment.temperature,
      recordsPath: join(resultsDir, files.records),
    },
    config: cfg,
    task,
    resultsDir,
    files,
    manifest,
    run,
    resumed,
    endpoints,
  };
}

/** Options for {@linkcode executeEval}. */
export interface ExecuteEvalOptions {
  /** Requests in flight at once. @default 1 */
  concurrency?: number;
  onEvent?: (event: EvalEvent) => void;
  signal?: AbortSignal;
  /** Backend options (download progress, env; the endpoint comes from the prepared run). */
  backend?: CreateBackendOptions;
  /** Replace backend construction (tests). */
  createBackend?: (model: ModelConfig) => Promise<CreatedBackend>;
  /** Capture hardware/software. @default captureRunEnvironment */
  captureEnvironment?: (
    baseUrl: string | null,
    options?: { allowRemote?: boolean },
  ) => Promise<Record<string, unknown>>;
  /** @default () => new Date() */
  date?: () => Date;
}

/** What a finished (or stopped) eval produced. */
export interface EvalSessionResult {
  complete: boolean;
  /** Why the run is incomplete: it stopped early, or samples failed (`--resume` retries them). */
  reason: string | null;
  /** Samples whose latest attempt failed. */
  failed: number;
  summary: EvalSummary;
  summaryPath: string;
  recordsPath: string;
  manifestPath: string;
  environment: Record<string, unknown>;
}

/**
 * Run a prepared eval: the backend first (a server that is down or serves another model stops
 * the run before anything is written), then the manifest, the records, the summary JSON and the
 * run status. A run whose samples failed is incomplete (`--resume` retries them).
 */
export async function executeEval(
  prepared: PreparedEval,
  options: ExecuteEvalOptions = {},
): Promise<EvalSessionResult> {
  const { plan, manifest, config, task, resultsDir } = prepared;
  const date = options.date ?? (() => new Date());
  const lm = lmstudioEndpoint(prepared.endpoints);
  let outcome;
  let active: ActiveRun;
  let environment: Record<string, unknown>;
  try {
    environment = await (options.captureEnvironment ?? captureRunEnvironment)(
      lm?.url ?? null,
      { allowRemote: lm !== null && lm.allowed_by !== null },
    );
    const git = (environment.git ?? {}) as { commit?: string | null };
    const { backend } = await (options.createBackend ?? ((m) =>
      createBackend(m, config.experiment as Experiment, {
        ...options.backend,
        modelKey: config.model_key,
        endpoint: prepared.endpoints[config.model_key],
      })))(config.model);
    try {
      if (backend.kind === "lmstudio" && config.experiment.lmstudio.check_loaded) {
        await (backend as LmStudioBackend).ensureModel();
      }
      const existing = manifest.runs.find((r) =>
        r.run_id === plan.runId
      );
      if (existing) existing.plan = { ...existing.plan, ...prepared.run.plan };
      active = await beginRun(resultsDir, manifest, prepared.run, {
        resumed: prepared.resumed,
        environment,
        date,
      });
      // Two runs of one config started in the same second: this one got a suffixed id.
      plan.runId = active.run.run_id;
      prepared.files = { records: active.run.files.records, summary: active.run.files.summary };
      plan.recordsPath = join(resultsDir, prepared.files.records);
      try {
        outcome = await runEval(plan, task, {
          backend,
          concurrency: options.concurrency,
          onEvent: options.onEvent,
          signal: options.signal,
          host: hostname(),
          gitCommit: git.commit ?? null,
          date,
        });
      } catch (error) {
        await stopRunWithError(active, error);
      }
    } finally {
      await backend.close();
    }
  } finally {
    await task.close();
  }
  const { run, manifestPath, save } = active!;
  outcome = outcome!;
  const summary = EvalSummarySchema.parse({
    schema_version: 1,
    kind: "eval_summary",
    run_id: plan.runId,
    config_hash: plan.configHash,
    task: plan.task,
    model_key: plan.modelKey,
    model_id: config.model.model_id,
    backend: config.model.backend,
    format: config.model.format,
    quantization: config.model.quantization,
    complete: outcome.complete,
    planned: task.samples.length,
    records_file: prepared.files.records,
    settings: {
      kind: task.kind,
      seed: plan.seed,
      temperature: plan.temperature,
      max_tokens: task.maxTokens,
      // Evaluations let the engine reuse the shared prompt prefix (perf never does).
      prompt_cache: "warm",
      ...task.settings,
    },
    ...evalMetrics(outcome.records, task, { seed: plan.seed }),
    created_at: date().toISOString(),
  });
  const summaryPath = join(resultsDir, prepared.files.summary);
  try {
    await writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + "\n");
  } catch (error) {
    await stopRunWithError(active!, error);
  }
  run.status = outcome.complete ? "complete" : "interrupted";
  if (outcome.reason) run.notes.push(outcome.reason);
  await save();
  return {
    complete: outcome.complete,
    reason: outcome.reason,
    failed: outcome.failed,
    summary,
    summaryPath,
    recordsPath: plan.recordsPath,
    manifestPath,
    environment,
  };
}
