import { hostname } from "node:os";
import { join, resolve } from "node:path";
import {
  apiKeyFromEnv,
  ConfigError,
  configHash as configHash_,
  type EmbeddedModelConfig,
  type EndpointCheck,
  type Experiment,
  ExperimentSchema,
  lmstudioEndpoint,
  loadProjectConfig,
  lookup,
  manifestEndpointSources,
  type ModelConfig,
  type ModelEndpoint,
  ModelSchema,
  parseWithSchema,
  PROJECT_ROOT,
  type ResolvedScenario,
  resolveModelEndpoints,
  resolveOutputPath,
  selectNames,
} from "../config/mod.ts";
import {
  type Backend,
  createEmbeddedBackend,
  createLmStudioBackend,
  createOpenAiBackend,
  resolveModelFile,
} from "../backends/mod.ts";
import {
  beginRun,
  captureRunEnvironment,
  fileSafe,
  fileStamp,
  findRunToResume,
  type Manifest,
  readManifest,
  recordEndpoints,
  type RunEntry,
} from "../results/mod.ts";
import { type PerfEvent, type PerfPlan, runPerf } from "../perf/mod.ts";
import {
  buildTask,
  type EvalEvent,
  loadTasksConfig,
  readRunRecords,
  resolveTask,
  runEval,
} from "../eval/mod.ts";
import { roundBackendOf, unsupportedSettings } from "./_capabilities.ts";
import { embeddedOptionsFor, llamaServerFlags, lmStudioLoadFor } from "./_apply.ts";
import { launchServer } from "./_server.ts";
import { spawnGuarded } from "../process/mod.ts";
import { loadRoundsConfig } from "./_config.ts";
import { type Round, RoundSchema, type RoundsFile } from "./_schema.ts";
import { buildRoundsSummary, type RoundsSummary, writeRoundsSummary } from "./summary.ts";

/** What the user asked for (`deno task rounds` flags). */
export interface RoundsRequest {
  /** Model key of configs/models.yaml. */
  model: string;
  /** Comma-separated round ids or `all`. @default "all" */
  rounds?: string;
  /** Overrides rounds.yaml's scenarios. */
  scenarios?: string;
  runs?: number;
  warmup?: number;
  /** Run the quality subset of rounds.yaml. @default true */
  quality?: boolean;
  /** Override the quality subset's task (a key of configs/tasks.yaml). */
  qualityTask?: string;
  /** Override the quality subset's sample size. */
  qualitySampleSize?: number;
  resume?: boolean | string;
  configDir?: string;
  resultsDir?: string;
  /** Dataset folder for the quality subset. */
  dataDir?: string;
  /** Accept a non-loopback endpoint (`--allow-remote`); it is a recorded data-egress finding. */
  allowRemote?: boolean;
}

/** One round in a plan: to run, or skipped with the reason (never silently run as baseline). */
export interface RoundEntry {
  id: string;
  round: Round;
  status: "planned" | "skipped";
  reason: string | null;
}

/** A rounds run ready to execute; nothing written yet. */
export interface PreparedRounds {
  modelKey: string;
  plan: PerfPlan;
  entries: RoundEntry[];
  quality: RoundsFile["quality"];
  manifest: Manifest;
  run: RunEntry;
  resumed: boolean;
  /** The checked endpoint of the model when the tool does not launch it (also in the manifest). */
  endpoints: Record<string, ModelEndpoint>;
}

function entriesFor(model: ModelConfig, rounds: Record<string, Round>): RoundEntry[] {
  const kind = roundBackendOf(model);
  return Object.entries(rounds).map(([id, round]) => {
    let reason: string | null = null;
    if (kind === null) {
      if (Object.keys(round.settings).length) {
        reason =
          "the model's server is not started by this tool (no 'server' in its config), so its settings cannot change";
      }
    } else if (!round.backends.includes(kind)) {
      reason = `the round is declared for ${round.backends.join(", ")}, not ${kind}`;
    } else {
      const bad = unsupportedSettings(kind, round.settings);
      if (bad.length) reason = `${kind} cannot apply ${bad.join("; ")}`;
    }
    return { id, round, status: reason ? "skipped" : "planned", reason };
  });
}

/**
 * Resolve configs and flags (or a manifest, for --resume) into a plan and check the model's
 * endpoint against the endpoint policy (EndpointError); writes nothing.
 */
export async function prepareRounds(request: RoundsRequest): Promise<PreparedRounds> {
  if (request.resume) {
    const dir = request.resultsDir ? resolve(request.resultsDir) : resolveOutputPath("results");
    const found = await findRunToResume(dir, "rounds", request.resume);
    const file = found.file;
    const cfg = found.manifest.config as Record<string, unknown>;
    const experiment = parseWithSchema(cfg.experiment, ExperimentSchema, file, {
      pathPrefix: "config.experiment",
    });
    const models: Record<string, ModelConfig> = {};
    for (const [k, v] of Object.entries(cfg.models as Record<string, unknown>)) {
      models[k] = parseWithSchema(v, ModelSchema, file, { pathPrefix: `config.models.${k}` });
    }
    const rounds: Record<string, Round> = {};
    for (const [k, v] of Object.entries(cfg.rounds as Record<string, unknown>)) {
      rounds[k] = parseWithSchema(v, RoundSchema, file, { pathPrefix: `config.rounds.${k}` });
    }
    const modelKey = String(found.run.plan.model);
    const entries = entriesFor(models[modelKey], rounds);
    const endpoints = resolveModelEndpoints({ [modelKey]: models[modelKey] }, experiment, {
      allowRemote: request.allowRemote,
      sources: manifestEndpointSources(file),
    });
    recordEndpoints(found.run, endpoints);
    return {
      modelKey,
      plan: {
        runId: found.run.run_id,
        configHash: found.manifest.config_hash,
        experiment,
        models,
        scenarios: cfg.scenarios as Record<string, ResolvedScenario>,
        units: found.run.plan.units as PerfPlan["units"],
        resultsDir: dir,
      },
      entries,
      quality: cfg.quality as RoundsFile["quality"],
      manifest: found.manifest,
      run: found.run,
      resumed: true,
      endpoints,
    };
  }
  const project = await loadProjectConfig({ configDir: request.configDir });
  const { config: roundsFile } = await loadRoundsConfig(request.configDir);
  const model = lookup("model", project.models, request.model);
  const roundIds = selectNames("round", roundsFile.rounds, request.rounds ?? "all");
  if (!roundIds.includes("baseline")) roundIds.unshift("baseline");
  const rounds = Object.fromEntries(roundIds.map((id) => [id, roundsFile.rounds[id]]));
  const scenarioNames = request.scenarios
    ? selectNames("scenario", project.scenarios, request.scenarios)
    : roundsFile.scenarios.map((s) => (lookup("scenario", project.scenarios, s), s));
  const experiment: Experiment = parseWithSchema(
    {
      ...project.experiment,
      runs: request.runs ?? roundsFile.runs,
      warmup: request.warmup ?? roundsFile.warmup,
    },
    ExperimentSchema,
    "<command line>",
  );
  const models: Record<string, ModelConfig> = { [request.model]: model };
  for (const r of Object.values(rounds)) {
    if (r.settings.draft) {
      models[r.settings.draft.model] = lookup("model", project.models, r.settings.draft.model);
    }
  }
  const scenarios = Object.fromEntries(scenarioNames.map((s) => [s, project.scenarios[s]]));
  const quality = request.quality === false || !roundsFile.quality ? null : {
    ...roundsFile.quality,
    ...(request.qualityTask ? { task: request.qualityTask } : {}),
    ...(request.qualitySampleSize ? { sample_size: request.qualitySampleSize } : {}),
  };
  const entries = entriesFor(model, rounds);
  const endpoints = resolveModelEndpoints({ [request.model]: model }, experiment, {
    allowRemote: request.allowRemote,
    sources: project.endpointSources,
  });
  const { results_dir: _where, ...method } = experiment;
  const configHash = await configHash_({ experiment: method, models, scenarios, rounds, quality });
  const now = new Date();
  const runId = `rounds_${fileStamp(now)}_${configHash.slice(0, 8)}`;
  const units = entries.filter((e) => e.status === "planned").flatMap((e) =>
    scenarioNames.map((scenario) => ({
      modelKey: request.model,
      scenario,
      round: e.id,
      concurrency: e.round.settings.parallel ?? 1,
    }))
  );
  const resultsDir = request.resultsDir
    ? resolve(request.resultsDir)
    : resolveOutputPath(experiment.results_dir);
  const manifest: Manifest = (await readManifest(resultsDir, configHash)) ?? {
    schema_version: 1,
    config_hash: configHash,
    config: { experiment, models, scenarios, rounds, quality },
    runs: [],
  };
  const run: RunEntry = {
    run_id: runId,
    kind: "rounds",
    status: "running",
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
    resumed_at: [],
    plan: {
      model: request.model,
      rounds: roundIds,
      scenarios: scenarioNames,
      units,
      runs: experiment.runs,
      warmup: experiment.warmup,
      data_dir: request.dataDir ?? null,
      config_dir: request.configDir ?? null,
    },
    files: {},
    environments: [],
    notes: entries.filter((e) => e.status === "skipped").map((e) =>
      `round ${e.id} skipped: ${e.reason}`
    ),
  };
  recordEndpoints(run, endpoints);
  return {
    modelKey: request.model,
    plan: { runId, configHash, experiment, models, scenarios, units, resultsDir },
    entries,
    quality,
    manifest,
    run,
    resumed: false,
    endpoints,
  };
}

/** Progress of a rounds run. */
export type RoundsEvent =
  | { type: "round_skipped"; id: string; reason: string }
  | { type: "round_start"; id: string; round: Round }
  | { type: "round_applied"; id: string; settings: Record<string, unknown>; setupMs: number }
  | { type: "round_failed"; id: string; reason: string }
  | { type: "quality_done"; id: string; correct: number; n: number }
  | { type: "perf"; id: string; event: PerfEvent }
  /** Progress of the round's quality subset (an eval run). */
  | { type: "quality"; id: string; event: EvalEvent }
  /** A line a round's worker process wrote to stdout that is not one of its events. */
  | { type: "worker_output"; id: string; line: string };

const WORKER_EVENT = "edge_bench_rounds_event";

/**
 * One line of a round worker's stdout carrying an event to the parent process (JSON; errors as
 * `{name, message}`). The worker (`deno task rounds --worker`) writes these; {@linkcode
 * executeRounds} reads them back and re-emits the events, so a run's progress is the same
 * whether a round runs in a worker or in process.
 */
export function encodeWorkerEvent(event: RoundsEvent): string {
  return JSON.stringify(
    { [WORKER_EVENT]: event },
    (_key, value) =>
      value instanceof Error
        ? { [`${WORKER_EVENT}_error`]: { name: value.name, message: value.message } }
        : value instanceof RegExp
        ? value.source
        : value,
  );
}

/** The event of a worker line, or null for any other line. */
export function decodeWorkerEvent(line: string): RoundsEvent | null {
  if (!line.startsWith(`{"${WORKER_EVENT}":`)) return null;
  try {
    const parsed = JSON.parse(line, (_key, value) => {
      const e = value?.[`${WORKER_EVENT}_error`];
      if (e && typeof e.message === "string") {
        const error = new Error(e.message);
        error.name = String(e.name ?? "Error");
        return error;
      }
      return value;
    });
    return parsed[WORKER_EVENT] ?? null;
  } catch {
    return null;
  }
}

/** Options for {@linkcode executeRounds}. */
export interface ExecuteRoundsOptions {
  onEvent?: (e: RoundsEvent) => void;
  signal?: AbortSignal;
  /**
   * Run each round in a fresh process (`deno task rounds --worker`), so that one round's memory
   * does not carry into the next: llama.cpp does not give back all native memory when a model is
   * unloaded (~4-10 MiB per load here), which would bias every later round's peak RSS upwards.
   * @default true for embedded models
   */
  isolate?: boolean;
  /** Internal: run only this round of a prepared (resumed) run, without finishing the run. */
  worker?: string;
}

/** What a rounds run produced. */
export interface RoundsResult {
  runId: string;
  complete: boolean;
  summary: RoundsSummary;
  summaryPath: string;
  manifestPath: string;
}

interface AppliedBackend {
  backend: Backend;
  settings: Record<string, unknown>;
  setupMs: number;
  close(): Promise<void>;
}

async function applyRound(
  model: ModelConfig,
  round: Round,
  models: Record<string, ModelConfig>,
  experiment: Experiment,
  endpoint: ModelEndpoint | undefined,
): Promise<AppliedBackend> {
  const t0 = performance.now();
  const s = round.settings;
  const draftPath = async () => {
    if (!s.draft) return null;
    const draft = models[s.draft.model];
    if (draft?.backend !== "embedded") {
      throw new ConfigError(
        "configs/rounds.yaml",
        "settings.draft.model",
        s.draft.model,
        "must be an embedded (GGUF) model",
      );
    }
    return (await resolveModelFile(draft as EmbeddedModelConfig)).path;
  };
  if (model.backend === "embedded") {
    const file = await resolveModelFile(model);
    const backend = await createEmbeddedBackend(
      file.path,
      embeddedOptionsFor(model, s, await draftPath()),
    );
    return {
      backend,
      settings: backend.effectiveSettings(),
      setupMs: performance.now() - t0,
      close: () => backend.close(),
    };
  }
  if (model.backend === "lmstudio") {
    const lm = createLmStudioBackend(endpoint!.url, {
      endpoint: endpointCheck(endpoint!),
      modelId: model.model_id,
      format: model.format,
      quantization: model.quantization,
      timeoutMs: experiment.request_timeout_ms,
    });
    await lm.unload().catch(() => {});
    const loaded = await lm.load(lmStudioLoadFor(model, s));
    const facts = await lm.ensureModel();
    const instance =
      ((facts.details.loaded_instances as { config?: Record<string, unknown> }[] | undefined) ??
        [])[0];
    const settings = {
      ...(loaded.config ?? instance?.config ?? lmStudioLoadFor(model, s)),
      load_time_ms: loaded.loadTimeMs,
      loaded_via: loaded.via,
    };
    return {
      backend: { ...lm, effectiveSettings: () => settings },
      settings,
      setupMs: performance.now() - t0,
      close: () => lm.unload().catch(() => {}),
    };
  }
  if (!model.server) {
    const backend = createOpenAiBackend(endpoint!.url, {
      endpoint: endpointCheck(endpoint!),
      apiKey: apiKeyFromEnv(endpoint!.model_key, model),
      modelId: model.model_id,
      format: model.format,
      quantization: model.quantization,
    });
    return { backend, settings: {}, setupMs: 0, close: () => backend.close() };
  }
  const server = await launchServer(model.server, llamaServerFlags(s, await draftPath()));
  const settings = {
    argv: server.argv.slice(1),
    props: server.props,
    startup_ms: server.startupMs,
  };
  const backend = createOpenAiBackend(`${server.origin}/v1`, {
    modelId: model.model_id,
    format: model.format,
    quantization: model.quantization,
    timeoutMs: experiment.request_timeout_ms,
    // Measured by its own pid; the tool started it with the configured file, so its id is known.
    serving: { pids: [server.pid] },
    checkModelId: false,
  });
  return {
    backend: { ...backend, effectiveSettings: () => settings },
    settings,
    setupMs: server.startupMs,
    close: () => server.stop(),
  };
}

function endpointCheck(endpoint: ModelEndpoint): EndpointCheck {
  return {
    source: endpoint.source,
    field: endpoint.field,
    allowRemote: endpoint.allowed_by !== null,
    modelKey: endpoint.model_key,
  };
}

/**
 * Run one round of a recorded run in a fresh process; its events (one JSON line each on its
 * stdout, see {@linkcode encodeWorkerEvent}) are passed to `emit`, other lines as
 * `worker_output`. Resolves to its exit code.
 */
async function runWorker(
  runId: string,
  resultsDir: string,
  round: string,
  emit: (e: RoundsEvent) => void,
  signal?: AbortSignal,
): Promise<number> {
  // With a lifeline: the worker (and through its own lifelines, what it starts) ends with this
  // process, even after a kill -9.
  const child = spawnGuarded(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(PROJECT_ROOT, "lib/cli/rounds.ts"),
      "--resume",
      runId,
      "--results-dir",
      resultsDir,
      "--worker",
      round,
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const stop = () => child.kill("SIGINT");
  signal?.addEventListener("abort", stop);
  try {
    let rest = "";
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (line === "") continue;
        emit(decodeWorkerEvent(line) ?? { type: "worker_output", id: round, line });
      }
    }
    if (rest) emit(decodeWorkerEvent(rest) ?? { type: "worker_output", id: round, line: rest });
    return (await child.status).code;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}

/** Run every planned round: apply its settings, run the perf scenarios and the quality subset. */
export async function executeRounds(
  prepared: PreparedRounds,
  options: ExecuteRoundsOptions = {},
): Promise<RoundsResult> {
  const emit = options.onEvent ?? (() => {});
  const { plan, manifest, modelKey } = prepared;
  const model = plan.models[modelKey];
  const lm = lmstudioEndpoint(prepared.endpoints);
  const environment = await captureRunEnvironment(lm?.url ?? null, {
    allowRemote: lm !== null && lm.allowed_by !== null,
  });
  const { run, manifestPath, save } = await beginRun(plan.resultsDir, manifest, prepared.run, {
    resumed: prepared.resumed && !options.worker,
    environment,
  });
  // Two runs of one config started in the same second: this one got a suffixed id.
  plan.runId = run.run_id;
  const applied: Record<string, Record<string, unknown>> = {
    ...(run.plan.applied as Record<string, Record<string, unknown>> ?? {}),
  };
  const failed: Record<string, string> = { ...(run.plan.failed as Record<string, string> ?? {}) };
  const isolate = options.isolate ?? (model.backend === "embedded" && !options.worker);
  let complete = true;
  for (const entry of prepared.entries) {
    if (options.worker && entry.id !== options.worker) continue;
    if (entry.status === "skipped") {
      emit({ type: "round_skipped", id: entry.id, reason: entry.reason! });
      continue;
    }
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    emit({ type: "round_start", id: entry.id, round: entry.round });
    if (isolate) {
      run.plan = { ...run.plan, applied, failed };
      await save();
      // The worker announces how its round was applied; the parent says so only when it did not.
      const relayed = new Set<string>();
      const code = await runWorker(plan.runId, plan.resultsDir, entry.id, (e) => {
        if (e.type === "round_start") return;
        relayed.add(e.type);
        emit(e);
      }, options.signal);
      // The worker wrote its records and its part of the manifest: take them back.
      const fresh = (await readManifest(plan.resultsDir, plan.configHash))?.runs.find((r) =>
        r.run_id === plan.runId
      );
      if (fresh) {
        Object.assign(run.files, fresh.files);
        Object.assign(applied, fresh.plan.applied ?? {});
        Object.assign(failed, fresh.plan.failed ?? {});
        // A round that failed before and applied now is no longer failed.
        if (!(fresh.plan.failed as Record<string, string> | undefined)?.[entry.id]) {
          delete failed[entry.id];
        }
        run.environments.push(...fresh.environments.slice(run.environments.length));
      }
      if (failed[entry.id]) {
        if (!relayed.has("round_failed")) {
          emit({ type: "round_failed", id: entry.id, reason: failed[entry.id] });
        }
      } else if (applied[entry.id] && !relayed.has("round_applied")) {
        emit({
          type: "round_applied",
          id: entry.id,
          settings: applied[entry.id],
          setupMs: applied[entry.id].setup_ms as number,
        });
      }
      // A round that could not be applied keeps the run incomplete, like a failed request.
      if (code !== 0 || failed[entry.id]) complete = false;
      continue;
    }
    let backend: AppliedBackend;
    try {
      backend = await applyRound(
        model,
        entry.round,
        plan.models,
        plan.experiment,
        prepared.endpoints[modelKey],
      );
    } catch (error) {
      failed[entry.id] = (error as Error).message;
      complete = false;
      emit({ type: "round_failed", id: entry.id, reason: failed[entry.id] });
      continue;
    }
    delete failed[entry.id];
    applied[entry.id] = { ...backend.settings, setup_ms: backend.setupMs };
    emit({
      type: "round_applied",
      id: entry.id,
      settings: backend.settings,
      setupMs: backend.setupMs,
    });
    try {
      const units = plan.units.filter((u) => u.round === entry.id);
      const outcome = await runPerf({ ...plan, units }, {
        createBackend: () =>
          Promise.resolve({
            backend: { ...backend.backend, close: () => Promise.resolve() },
            modelFile: null,
          }),
        files: run.files,
        onFileAssigned: async (unit, file) => {
          run.files[`${unit.round}/${unit.modelKey}/${unit.scenario}`] = file;
          await save();
        },
        onEvent: (event) => emit({ type: "perf", id: entry.id, event }),
        host: hostname(),
        gitCommit: (environment.git as { commit?: string | null })?.commit ?? null,
        allowLoad: false,
        signal: options.signal,
      });
      if (!outcome.complete) complete = false;
      if (prepared.quality && outcome.complete) {
        const q = prepared.quality;
        const { file, tasks } = await loadTasksConfig(
          (run.plan.config_dir as string | null) ?? undefined,
        );
        const resolved = await resolveTask(tasks, q.task, {
          file,
          overrides: { sample_size: q.sample_size },
        });
        const task = await buildTask(resolved, {
          seed: q.seed,
          data: { dataDir: (run.plan.data_dir as string | null) ?? undefined },
        });
        const key = `${entry.id}/quality`;
        run.files[key] ??= `eval_${fileSafe(q.task)}_${fileSafe(modelKey)}_${fileSafe(entry.id)}_${
          fileStamp(new Date(run.started_at))
        }.jsonl`;
        await save();
        const evalRunId = `${plan.runId}:${entry.id}`;
        const result = await runEval(
          {
            runId: evalRunId,
            configHash: plan.configHash,
            task: q.task,
            modelKey,
            model,
            seed: q.seed,
            temperature: plan.experiment.temperature,
            recordsPath: join(plan.resultsDir, run.files[key]),
          },
          task,
          {
            backend: backend.backend,
            host: hostname(),
            gitCommit: null,
            signal: options.signal,
            onEvent: (event) => emit({ type: "quality", id: entry.id, event }),
          },
        );
        if (!result.complete) complete = false;
        const records = await readRunRecords(join(plan.resultsDir, run.files[key]), evalRunId);
        emit({
          type: "quality_done",
          id: entry.id,
          correct: records.filter((r) => r.correct === true).length,
          n: records.length,
        });
      }
    } finally {
      await backend.close();
    }
  }
  run.plan = { ...run.plan, applied, failed };
  if (!options.worker) run.status = complete ? "complete" : "interrupted";
  await save();
  const summary = await buildRoundsSummary(prepared, run);
  const summaryPath = await writeRoundsSummary(plan.resultsDir, summary);
  return { runId: plan.runId, complete, summary, summaryPath, manifestPath };
}
