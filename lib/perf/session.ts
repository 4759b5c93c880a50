import { hostname } from "node:os";
import { resolve } from "node:path";
import {
  applyOverrides,
  ConfigError,
  type EndpointSources,
  type Experiment,
  type ExperimentOverrides,
  ExperimentSchema,
  lmstudioEndpoint,
  loadProjectConfig,
  manifestEndpointSources,
  type ModelConfig,
  type ModelEndpoint,
  ModelSchema,
  parseWithSchema,
  PROJECT_ROOT,
  type ResolvedScenario,
  resolveModelEndpoints,
  resolveOutputPath,
  runConfigHash,
  selectNames,
  type SweepConfig,
} from "../config/mod.ts";
import { createBackend, type CreateBackendOptions, type CreatedBackend } from "../backends/mod.ts";
import {
  beginRun,
  captureRunEnvironment,
  fileStamp,
  findRunToResume,
  type Manifest,
  PerfRecordSchema,
  readJsonl,
  readManifest,
  recordEndpoints,
  type RunEntry,
  stopRunWithError,
} from "../results/mod.ts";
import type { MemoryPeak } from "../memory/mod.ts";
import {
  type PerfEvent,
  type PerfPlan,
  type PerfRunOutcome,
  type PerfUnit,
  runPerf,
  unitKey,
} from "./runner.ts";
import { type PerfSummary, summarizePerf } from "./summary.ts";
import { parseSweepGrid, sweepScenarios } from "./sweep.ts";
import { join } from "node:path";
import { spawnGuarded } from "../process/mod.ts";

/** What the user asked for (the `deno task perf` flags). */
export interface PerfRequest {
  /** Comma-separated model keys or `all`. @default "stories260k" */
  models?: string;
  /** Comma-separated scenario names or `all`. @default "all" */
  scenarios?: string;
  overrides?: ExperimentOverrides;
  /** Continue the latest unfinished run (true) or the run with this id. */
  resume?: boolean | string;
  /** Folder of the YAML configs. @default "<project>/configs" */
  configDir?: string;
  /** Results folder; overrides experiment.results_dir. */
  resultsDir?: string;
  /** Server URL of every lmstudio/openai model (`--base-url`); not part of the config hash. */
  baseUrl?: string;
  /** Accept non-loopback endpoints (`--allow-remote`); each is a recorded data-egress finding. */
  allowRemote?: boolean;
  /**
   * A length sweep (`--sweep`): the grid as text (`prompt=128,512 output=32,128`; "" takes the
   * `sweep:` block of scenarios.yaml) or as numbers. Its points replace the scenarios, unless
   * `scenarios` is given too.
   */
  sweep?: string | SweepConfig;
  /**
   * Concurrency levels (`--concurrency 1,2,4,8`): every (model, scenario) runs once per level
   * with that many requests in flight (an embedded engine gets as many context sequences).
   */
  concurrency?: number[];
}

/** A run ready to execute: nothing has been written yet. */
export interface PreparedPerf {
  plan: PerfPlan;
  manifest: Manifest;
  run: RunEntry;
  resumed: boolean;
  /** The checked endpoint of each lmstudio/openai model (also in `run.plan.endpoints`). */
  endpoints: Record<string, ModelEndpoint>;
}

/** Options for {@linkcode preparePerf}. */
export interface PreparePerfOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default () => new Date() */
  date?: () => Date;
}

function parseScenarios(file: string, raw: unknown): Record<string, ResolvedScenario> {
  if (raw === null || typeof raw !== "object") {
    throw new ConfigError(file, "config.scenarios", raw, "must be an object of resolved scenarios");
  }
  return raw as Record<string, ResolvedScenario>;
}

/**
 * Resolve configs and flags (or a manifest, for --resume) into a plan, and check every model's
 * endpoint against the endpoint policy before anything connects. Throws ConfigError (an
 * EndpointError for a refused endpoint) or UnknownNameError on bad input; writes nothing.
 */
export async function preparePerf(
  request: PerfRequest,
  options: PreparePerfOptions = {},
): Promise<PreparedPerf> {
  const date = options.date ?? (() => new Date());
  if (request.resume) {
    const dir = request.resultsDir ? resolve(request.resultsDir) : resolveOutputPath(
      (await loadProjectConfig({ configDir: request.configDir, env: options.env })).experiment
        .results_dir,
    );
    const found = await findRunToResume(dir, "perf", request.resume);
    const file = found.file;
    const cfg = found.manifest.config as Record<string, unknown>;
    const experiment = parseWithSchema(cfg.experiment, ExperimentSchema, file, {
      pathPrefix: "config.experiment",
    });
    const models: Record<string, ModelConfig> = {};
    for (const [k, v] of Object.entries((cfg.models ?? {}) as Record<string, unknown>)) {
      models[k] = parseWithSchema(v, ModelSchema, file, { pathPrefix: `config.models.${k}` });
    }
    const scenarios = parseScenarios(file, cfg.scenarios);
    const units = (found.run.plan.units as PerfUnit[]) ?? [];
    const endpoints = checkedEndpoints(models, units, experiment, request, {
      env: options.env,
      sources: manifestEndpointSources(file),
    });
    recordEndpoints(found.run, endpoints);
    return {
      plan: {
        runId: found.run.run_id,
        configHash: found.manifest.config_hash,
        experiment,
        models,
        scenarios,
        units,
        resultsDir: dir,
      },
      manifest: found.manifest,
      run: found.run,
      resumed: true,
      endpoints,
    };
  }
  const config = await loadProjectConfig({ configDir: request.configDir, env: options.env });
  const experiment: Experiment = applyOverrides(config.experiment, request.overrides ?? {});
  const modelKeys = selectNames("model", config.models, request.models ?? "stories260k");
  const grid = request.sweep === undefined
    ? null
    : typeof request.sweep === "string"
    ? parseSweepGrid(request.sweep, config.sweep)
    : parseSweepGrid(
      `prompt=${request.sweep.prompt_tokens.join(",")} output=${
        request.sweep.output_tokens.join(",")
      }`,
    );
  const scenarioNames = grid && request.scenarios === undefined
    ? []
    : selectNames("scenario", config.scenarios, request.scenarios ?? "all");
  const models = Object.fromEntries(modelKeys.map((k) => [k, config.models[k]]));
  const scenarios: Record<string, ResolvedScenario> = {
    ...Object.fromEntries(scenarioNames.map((s) => [s, config.scenarios[s]])),
    ...(grid ? sweepScenarios(grid) : {}),
  };
  const levels = concurrencyLevels(request.concurrency);
  const configHash = await runConfigHash({ experiment, models, scenarios });
  const resultsDir = request.resultsDir
    ? resolve(request.resultsDir)
    : resolveOutputPath(experiment.results_dir);
  const now = date();
  const runId = `perf_${fileStamp(now)}_${configHash.slice(0, 8)}`;
  const units: PerfUnit[] = modelKeys.flatMap((modelKey) =>
    Object.keys(scenarios).flatMap((scenario) =>
      levels
        ? levels.map((concurrency) => ({ modelKey, scenario, concurrency }))
        : [{ modelKey, scenario }]
    )
  );
  const endpoints = checkedEndpoints(models, units, experiment, request, {
    env: options.env,
    sources: config.endpointSources,
  });
  const existing = await readManifest(resultsDir, configHash);
  const manifest: Manifest = existing ?? {
    schema_version: 1,
    config_hash: configHash,
    config: { experiment, models, scenarios },
    runs: [],
  };
  const run: RunEntry = {
    run_id: runId,
    kind: "perf",
    status: "running",
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
    resumed_at: [],
    plan: {
      units,
      models: modelKeys,
      scenarios: Object.keys(scenarios),
      ...(grid ? { sweep: grid } : {}),
      ...(levels ? { concurrency: levels } : {}),
      ...(experiment.adaptive
        ? {
          adaptive: {
            target_ci: experiment.adaptive.target_ci,
            min_runs: experiment.adaptive.min_runs,
            max_runs: experiment.runs,
            metrics: ["ttft_ms", "output_tokens_per_s"],
            ci_method: "bca_bootstrap",
            rule:
              "stop a unit once the 95 % BCa intervals of mean TTFT and mean output tokens/s both have a half-width of at most target_ci × the mean, after at least min_runs measured requests; at most max_runs",
          },
        }
        : {}),
      runs: experiment.runs,
      warmup: experiment.warmup,
      seed: experiment.seed,
      temperature: experiment.temperature,
      records_planned: units.length * (experiment.runs + experiment.warmup),
    },
    files: {},
    environments: [],
    notes: [],
  };
  recordEndpoints(run, endpoints);
  return {
    plan: { runId, configHash, experiment, models, scenarios, units, resultsDir },
    manifest,
    run,
    resumed: false,
    endpoints,
  };
}

/** Concurrency levels, checked: positive integers, ascending, without repeats; null when none. */
function concurrencyLevels(levels: number[] | undefined): number[] | null {
  if (levels === undefined) return null;
  if (levels.length === 0 || levels.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
    throw new ConfigError(
      "<command line>",
      "--concurrency",
      levels.join(","),
      "must be a list of whole numbers from 1 to 256, e.g. 1,2,4,8",
    );
  }
  return [...new Set(levels)].sort((a, b) => a - b);
}

function checkedEndpoints(
  models: Record<string, ModelConfig>,
  units: { modelKey: string }[],
  experiment: Experiment,
  request: PerfRequest,
  options: { env?: (name: string) => string | undefined; sources: EndpointSources },
): Record<string, ModelEndpoint> {
  const used = new Set(units.map((u) => u.modelKey));
  return resolveModelEndpoints(
    Object.fromEntries(Object.entries(models).filter(([k]) => used.has(k))),
    experiment,
    { baseUrl: request.baseUrl, allowRemote: request.allowRemote, ...options },
  );
}

/** The summary options that carry a plan's adaptive rule. */
function adaptiveOf(plan: PerfPlan) {
  const a = plan.experiment.adaptive;
  return a
    ? { adaptive: { target_ci: a.target_ci, min_runs: a.min_runs, max_runs: plan.experiment.runs } }
    : {};
}

/** Options for {@linkcode executePerf}. */
export interface ExecutePerfOptions {
  onEvent?: (event: PerfEvent) => void;
  /** Called with the captured hardware/software facts before the first request. */
  onEnvironment?: (environment: Record<string, unknown>) => void;
  signal?: AbortSignal;
  /** Backend options (download progress; the endpoint comes from the prepared run). */
  backend?: CreateBackendOptions;
  /** Replace backend construction (tests). */
  createBackend?: (modelKey: string, model: ModelConfig) => Promise<CreatedBackend>;
  /** Load LM Studio models marked load.auto. @default true */
  allowLoad?: boolean;
  /** Server process whose memory is measured, per model key (`--server-pid`). @default {} */
  serverPids?: Record<string, number>;
  /**
   * Run each (model, scenario) of an embedded model in a fresh process, so that a scenario's
   * peak memory does not depend on what ran before it in the process. @default true
   */
  isolate?: boolean;
  /**
   * This process is a worker running one unit (`<model>/<scenario>`) of a run its parent
   * started: only that unit runs, no environment is captured, the run's status is left to the
   * parent. @default undefined
   */
  worker?: string;
  /** Capture hardware/software (skipped in some tests). @default captureRunEnvironment */
  captureEnvironment?: (
    baseUrl: string | null,
    options?: { allowRemote?: boolean },
  ) => Promise<Record<string, unknown>>;
  date?: () => Date;
}

/** Environment variable through which a worker learns the parent's git commit. */
const WORKER_COMMIT_ENV = "EDGE_BENCH_WORKER_COMMIT";
/** Prefix of the lines through which a worker sends its events to its parent (stdout). */
const WORKER_EVENT = "@@perf-event ";

/** An event as a worker writes it (errors as their message). */
export function workerEventLine(event: PerfEvent): string {
  return WORKER_EVENT +
    JSON.stringify(
      event,
      (_k, v) =>
        v instanceof Error
          ? { name: v.name, message: v.message }
          : v instanceof RegExp
          ? v.source
          : v,
    );
}

/**
 * Run one unit in a fresh process (`lib/cli/perf.ts --resume RUN --worker UNIT`): it writes the
 * records and its part of the manifest, and sends its events back on stdout, which are re-emitted
 * here as they come. Interrupting sends it SIGINT (it finishes the request in flight).
 */
async function runUnitInWorker(
  plan: PerfPlan,
  unit: PerfUnit,
  options: ExecutePerfOptions,
  commit: string | null,
): Promise<PerfRunOutcome> {
  const outcome: PerfRunOutcome = {
    complete: true,
    failures: [],
    files: {},
    scenarioPeaks: {},
    modelFacts: {},
  };
  // With a lifeline: the worker (and what it starts) ends with this process, even after kill -9.
  const child = spawnGuarded(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(PROJECT_ROOT, "lib/cli/perf.ts"),
      "--resume",
      plan.runId,
      "--results-dir",
      plan.resultsDir,
      "--worker",
      unitKey(unit),
      ...Object.entries(options.serverPids ?? {}).filter(([k]) => k === unit.modelKey)
        .flatMap(([, pid]) => ["--server-pid", String(pid)]),
    ],
    env: { [WORKER_COMMIT_ENV]: commit ?? "" },
    stdout: "piped",
    stderr: "inherit",
  });
  const stop = () => child.kill("SIGINT");
  options.signal?.addEventListener("abort", stop);
  try {
    let pending = "";
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith(WORKER_EVENT)) continue;
        const event = JSON.parse(line.slice(WORKER_EVENT.length)) as PerfEvent;
        if (event.type === "model_failed") {
          const e = event.error as unknown as { name: string; message: string };
          event.error = Object.assign(new Error(e.message), { name: e.name });
          outcome.failures.push({ modelKey: event.modelKey, message: e.message });
        } else if (event.type === "unit_aborted" || event.type === "unit_refused") {
          outcome.failures.push({
            modelKey: unit.modelKey,
            message: `${unit.scenario}: ${event.reason}`,
          });
        }
        options.onEvent?.(event);
      }
    }
    const status = await child.status;
    if (status.code !== 0 || outcome.failures.length) outcome.complete = false;
    if (status.code !== 0 && outcome.failures.length === 0) {
      outcome.failures.push({
        modelKey: unit.modelKey,
        message: `${unit.scenario}: the worker process exited with ${status.code}${
          status.signal ? ` (${status.signal})` : ""
        }`,
      });
    }
    return outcome;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}

/** What a finished (or stopped) perf session produced. */
export interface PerfSessionResult extends PerfRunOutcome {
  runId: string;
  configHash: string;
  manifestPath: string;
  summaries: PerfSummary[];
  environment: Record<string, unknown>;
}

/** Run a prepared plan: write the manifest first, run, then mark the run complete or interrupted. */
export async function executePerf(
  prepared: PreparedPerf,
  options: ExecutePerfOptions = {},
): Promise<PerfSessionResult> {
  const { plan, manifest } = prepared;
  const date = options.date ?? (() => new Date());
  const lm = lmstudioEndpoint(prepared.endpoints);
  // A worker's parent captured the environment already; the worker reads the git commit only.
  const environment = options.worker
    ? { git: { commit: Deno.env.get(WORKER_COMMIT_ENV) || null } }
    : await (options.captureEnvironment ?? captureRunEnvironment)(
      lm?.url ?? null,
      { allowRemote: lm !== null && lm.allowed_by !== null },
    );
  const git = (environment.git ?? {}) as { commit?: string | null };
  // Before any request: the CLI warns here about battery power or Low Power Mode.
  if (!options.worker) options.onEnvironment?.(environment);
  const active = await beginRun(plan.resultsDir, manifest, prepared.run, {
    resumed: prepared.resumed && !options.worker,
    environment: options.worker ? null : environment,
    date,
  });
  const { run, manifestPath, save } = active;
  // Two runs of one config started in the same second: this one got a suffixed id.
  plan.runId = run.run_id;
  // Each finished unit is summarized once, here: the event carries the summary to the caller
  // (the CLI prints it) and the run's result reuses it (bootstrap intervals are not free).
  const unitSummaries = new Map<string, PerfSummary>();
  const onEvent = (event: PerfEvent) => {
    if (event.type === "unit_done" && !options.worker && event.records.length) {
      const summary = summarizePerf(event.records, {
        seed: plan.experiment.seed,
        ...adaptiveOf(plan),
      });
      unitSummaries.set(unitKey(event.unit), summary);
      event = { ...event, summary };
    }
    options.onEvent?.(event);
  };
  const inProcess = (units: PerfUnit[]) =>
    runPerf({ ...plan, units }, {
      createBackend: options.createBackend ??
        ((key, model, _round, engine) =>
          createBackend(model, plan.experiment, {
            ...options.backend,
            modelKey: key,
            endpoint: prepared.endpoints[key],
            sequences: engine?.sequences,
          })),
      files: run.files,
      onFileAssigned: async (unit, file) => {
        run.files[unitKey(unit)] = file;
        await save();
      },
      onEvent,
      host: hostname(),
      gitCommit: git.commit ?? null,
      allowLoad: options.allowLoad,
      serverPids: options.serverPids,
      signal: options.signal,
      date,
    });
  const outcome: PerfRunOutcome = {
    complete: true,
    failures: [],
    files: {},
    scenarioPeaks: {},
    modelFacts: {},
  };
  const merge = (o: PerfRunOutcome) => {
    outcome.complete &&= o.complete;
    outcome.failures.push(...o.failures);
    Object.assign(outcome.files, o.files);
    Object.assign(outcome.scenarioPeaks, o.scenarioPeaks);
    Object.assign(outcome.modelFacts, o.modelFacts);
  };
  const units = options.worker
    ? plan.units.filter((u) => unitKey(u) === options.worker)
    : plan.units;
  const isolate = !options.worker && !options.createBackend && (options.isolate ?? true);
  try {
    // Models in plan order; an embedded model's scenarios each in a fresh worker process.
    for (const modelKey of [...new Set(units.map((u) => u.modelKey))]) {
      const mine = units.filter((u) => u.modelKey === modelKey);
      if (!isolate || plan.models[modelKey].backend !== "embedded") {
        merge(await inProcess(mine));
        continue;
      }
      for (const unit of mine) {
        if (options.signal?.aborted) {
          outcome.complete = false;
          break;
        }
        await save();
        merge(await runUnitInWorker(plan, unit, { ...options, onEvent }, git.commit ?? null));
        // The worker wrote its records and its part of the manifest: take them back.
        const fresh = (await readManifest(plan.resultsDir, plan.configHash))?.runs.find((r) =>
          r.run_id === plan.runId
        );
        if (fresh) {
          Object.assign(run.files, fresh.files);
          Object.assign(outcome.files, fresh.files);
          for (const k of ["scenario_peaks", "model_facts"] as const) {
            run.plan[k] = { ...(run.plan[k] as object ?? {}), ...(fresh.plan[k] as object ?? {}) };
          }
          Object.assign(outcome.scenarioPeaks, fresh.plan.scenario_peaks ?? {});
          Object.assign(outcome.modelFacts, fresh.plan.model_facts ?? {});
        }
      }
    }
  } catch (error) {
    if (!options.worker) await stopRunWithError(active, error);
    throw error;
  }
  if (!options.worker) run.status = outcome.complete ? "complete" : "interrupted";
  for (const f of outcome.failures) run.notes.push(`${f.modelKey}: ${f.message}`);
  const summaries: PerfSummary[] = [];
  const outcomes: Record<string, unknown> = {};
  for (const unit of units) {
    const file = outcome.files[unitKey(unit)];
    if (!file) continue;
    const read = await readJsonl(join(plan.resultsDir, file), PerfRecordSchema).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return null; // refused before its first request
      throw e;
    });
    if (!read) continue;
    const records = read.records
      .filter((r) =>
        r.run_id === plan.runId && r.model_key === unit.modelKey && r.scenario === unit.scenario &&
        r.concurrency === (unit.concurrency ?? 1)
      );
    if (records.length) {
      const summary = unitSummaries.get(unitKey(unit)) ??
        summarizePerf(records, { seed: plan.experiment.seed, ...adaptiveOf(plan) });
      summaries.push(summary);
      // Adaptive repetitions: the runs each unit used and its final half-widths, beside the rule.
      if (summary.adaptive) outcomes[unitKey(unit)] = summary.adaptive;
    }
  }
  const peaks: Record<string, MemoryPeak> = outcome.scenarioPeaks;
  run.plan = {
    ...run.plan,
    scenario_peaks: { ...(run.plan.scenario_peaks as object ?? {}), ...peaks },
    // What each backend or server said about its model before measuring (format, quantization,
    // context, server build and slots, memory target): the manifest keeps it beside the config.
    model_facts: { ...(run.plan.model_facts as object ?? {}), ...outcome.modelFacts },
    ...(Object.keys(outcomes).length
      ? { adaptive_outcomes: { ...(run.plan.adaptive_outcomes as object ?? {}), ...outcomes } }
      : {}),
  };
  await save();
  return {
    ...outcome,
    runId: plan.runId,
    configHash: plan.configHash,
    manifestPath,
    summaries,
    environment,
  };
}
