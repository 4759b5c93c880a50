import { hostname } from "node:os";
import { join, resolve } from "node:path";
import {
  applyOverrides,
  ConfigError,
  configHash,
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
  resolveModelEndpoints,
  resolveOutputPath,
  selectNames,
} from "../config/mod.ts";
import { createBackend, type CreateBackendOptions, type CreatedBackend } from "../backends/mod.ts";
import {
  beginRun,
  captureRunEnvironment,
  type ComplianceRecord,
  ComplianceRecordSchema,
  fileStamp,
  findRunToResume,
  latestAttemptsBy,
  type Manifest,
  readJsonl,
  readManifest,
  recordEndpoints,
  type RunEntry,
  stopRunWithError,
} from "../results/mod.ts";
import type { Rubric } from "./_rubric_schema.ts";
import { assessCompliance, type AssessComplianceOptions } from "./assess.ts";
import { type LicencesFile, loadLicences } from "./licences.ts";
import { DEFAULT_PROBES_DIR, loadProbeSets, type ProbeCatalogue, selectProbes } from "./probes.ts";
import {
  defaultComplianceOutputDir,
  writeComplianceReports,
  type WrittenComplianceReports,
} from "./report.ts";
import { checkRubricProbeSets, loadRubric } from "./rubric.ts";
import {
  type ComplianceEvent,
  type CompliancePlan,
  type ProbeRunOutcome,
  runProbes,
} from "./runner.ts";

/** What the user asked for (the `deno task compliance` flags). */
export interface ComplianceRequest {
  /** Comma-separated model keys or `all`. @default "stories260k" */
  models?: string;
  /** Comma-separated probe set ids or `all`. @default "all" */
  probeSets?: string;
  /** Run only the first N probes of each set. @default all */
  limit?: number;
  /** Cap every probe's max_tokens (quick runs). @default no cap */
  maxTokens?: number;
  /** Seed and temperature overrides. */
  overrides?: Pick<ExperimentOverrides, "seed" | "temperature">;
  /** Continue the latest unfinished compliance run (true) or the run with this id. */
  resume?: boolean | string;
  /** Folder of experiment/models/scenarios/compliance/licenses YAML. @default "<project>/configs" */
  configDir?: string;
  /** Results folder; overrides experiment.results_dir. */
  resultsDir?: string;
  /** Folder of the probe sets. @default "<project>/data/compliance" */
  probesDir?: string;
  /** Server URL of every lmstudio/openai model (`--base-url`); not part of the config hash. */
  baseUrl?: string;
  /** Accept non-loopback endpoints (`--allow-remote`); each is a recorded data-egress finding. */
  allowRemote?: boolean;
}

/** A run ready to execute: configs validated, nothing written yet. */
export interface PreparedCompliance {
  plan: CompliancePlan;
  manifest: Manifest;
  run: RunEntry;
  resumed: boolean;
  rubric: Rubric;
  rubricPath: string;
  licences: LicencesFile;
  licencesPath: string;
  catalogue: ProbeCatalogue;
  /** Every configured model (endpoints and licences are audited for all). */
  allModels: Record<string, ModelConfig>;
  /** The checked endpoint of each probed lmstudio/openai model (also in `run.plan.endpoints`). */
  endpoints: Record<string, ModelEndpoint>;
}

/** Options for {@linkcode prepareCompliance}. */
export interface PrepareComplianceOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default () => new Date() */
  date?: () => Date;
}

function positive(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ConfigError("<command line>", name, value, "must be a positive integer");
  }
}

interface RecordedPlan {
  probes: Record<string, string>;
  default_max_tokens: number;
  max_tokens_cap: number | null;
  models: string[];
}

async function resumePlan(
  request: ComplianceRequest,
  dir: string,
  catalogue: ProbeCatalogue,
): Promise<{ plan: CompliancePlan; manifest: Manifest; run: RunEntry; file: string }> {
  const found = await findRunToResume(dir, "compliance", request.resume || true);
  const file = found.file;
  const cfg = found.manifest.config as Record<string, unknown>;
  const experiment = parseWithSchema(cfg.experiment, ExperimentSchema, file, {
    pathPrefix: "config.experiment",
  });
  const models: Record<string, ModelConfig> = {};
  for (const [k, v] of Object.entries((cfg.models ?? {}) as Record<string, unknown>)) {
    models[k] = parseWithSchema(v, ModelSchema, file, { pathPrefix: `config.models.${k}` });
  }
  const recorded = cfg.compliance as RecordedPlan;
  const probes = Object.entries(recorded.probes).map(([id, sha]) => {
    const p = catalogue.probes.find((x) => x.id === id);
    if (!p || p.sha256 !== sha) {
      throw new ConfigError(
        file,
        `config.compliance.probes.${id}`,
        sha,
        p
          ? "names a probe that changed since the run started: start a new run"
          : "names a probe that no longer exists: start a new run",
      );
    }
    return p;
  });
  return {
    plan: {
      runId: found.run.run_id,
      configHash: found.manifest.config_hash,
      experiment,
      models,
      modelKeys: recorded.models,
      probes,
      defaultMaxTokens: recorded.default_max_tokens,
      maxTokensCap: recorded.max_tokens_cap,
      resultsDir: dir,
    },
    manifest: found.manifest,
    run: found.run,
    file,
  };
}

/**
 * Resolve configs, rubric, licences, probe sets and flags (or a recorded run, for --resume) into
 * a plan. Throws ConfigError or UnknownNameError on bad input; writes nothing.
 */
export async function prepareCompliance(
  request: ComplianceRequest,
  options: PrepareComplianceOptions = {},
): Promise<PreparedCompliance> {
  positive("limit", request.limit);
  positive("max-tokens", request.maxTokens);
  const configDir = request.configDir ?? join(PROJECT_ROOT, "configs");
  const config = await loadProjectConfig({ configDir, env: options.env });
  const rubricPath = join(configDir, "compliance.yaml");
  const licencesPath = join(configDir, "licenses.yaml");
  const rubric = await loadRubric(rubricPath);
  const licences = await loadLicences(licencesPath);
  const catalogue = await loadProbeSets(request.probesDir ?? DEFAULT_PROBES_DIR);
  checkRubricProbeSets(rubric, catalogue.sets, rubricPath);
  const resultsDir = request.resultsDir
    ? resolve(request.resultsDir)
    : resolveOutputPath(config.experiment.results_dir);
  const common = {
    rubric,
    rubricPath,
    licences,
    licencesPath,
    catalogue,
    allModels: config.models,
  };
  if (request.resume) {
    const { file, ...resumed } = await resumePlan(request, resultsDir, catalogue);
    const endpoints = checkedEndpoints(resumed.plan, request, {
      env: options.env,
      sources: manifestEndpointSources(file),
    });
    recordEndpoints(resumed.run, endpoints);
    return { ...resumed, resumed: true, ...common, endpoints };
  }
  const experiment: Experiment = applyOverrides(config.experiment, request.overrides ?? {});
  const modelKeys = selectNames("model", config.models, request.models ?? "stories260k");
  const sets = Object.fromEntries(catalogue.sets.map((s) => [s.id, s]));
  const setIds = selectNames("probe set", sets, request.probeSets ?? "all");
  const probes = selectProbes(catalogue.probes, { sets: setIds, limitPerSet: request.limit });
  const models = Object.fromEntries(modelKeys.map((k) => [k, config.models[k]]));
  const endpoints = checkedEndpoints({ models, modelKeys, experiment }, request, {
    env: options.env,
    sources: config.endpointSources,
  });
  const compliance: RecordedPlan = {
    probes: Object.fromEntries(probes.map((p) => [p.id, p.sha256])),
    default_max_tokens: rubric.run.max_tokens,
    max_tokens_cap: request.maxTokens ?? null,
    models: modelKeys,
  };
  const { results_dir: _where, ...measured } = experiment;
  const hash = await configHash({ experiment: measured, models, compliance });
  const now = (options.date ?? (() => new Date()))();
  const runId = `compliance_${fileStamp(now)}_${hash.slice(0, 8)}`;
  const manifest: Manifest = await readManifest(resultsDir, hash) ?? {
    schema_version: 1,
    config_hash: hash,
    config: { experiment, models, compliance },
    runs: [],
  };
  const run: RunEntry = {
    run_id: runId,
    kind: "compliance",
    status: "running",
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
    resumed_at: [],
    plan: {
      models: modelKeys,
      probe_sets: setIds,
      probes: probes.length,
      records_planned: probes.length * modelKeys.length,
    },
    files: {},
    environments: [],
    notes: [],
  };
  recordEndpoints(run, endpoints);
  return {
    plan: {
      runId,
      configHash: hash,
      experiment,
      models,
      modelKeys,
      probes,
      defaultMaxTokens: rubric.run.max_tokens,
      maxTokensCap: request.maxTokens ?? null,
      resultsDir,
    },
    manifest,
    run,
    resumed: false,
    ...common,
    endpoints,
  };
}

function checkedEndpoints(
  plan: Pick<CompliancePlan, "models" | "modelKeys" | "experiment">,
  request: ComplianceRequest,
  options: { env?: (name: string) => string | undefined; sources: EndpointSources },
): Record<string, ModelEndpoint> {
  const probed = Object.fromEntries(plan.modelKeys.map((k) => [k, plan.models[k]]));
  return resolveModelEndpoints(probed, plan.experiment, {
    baseUrl: request.baseUrl,
    allowRemote: request.allowRemote,
    ...options,
  });
}

/** Options for {@linkcode executeCompliance}. */
export interface ExecuteComplianceOptions extends AssessComplianceOptions {
  onEvent?: (event: ComplianceEvent) => void;
  signal?: AbortSignal;
  /** Backend options (download progress; the endpoints come from the prepared run). */
  backend?: CreateBackendOptions;
  /** Replace backend construction (tests). */
  createBackend?: (modelKey: string, model: ModelConfig) => Promise<CreatedBackend>;
  /** Load LM Studio models marked load.auto. @default true */
  allowLoad?: boolean;
  /** Capture hardware/software. @default captureRunEnvironment */
  captureEnvironment?: (
    baseUrl: string | null,
    options?: { allowRemote?: boolean },
  ) => Promise<Record<string, unknown>>;
  /** Where risk_analysis and license_audit go. @default "<project>/report/compliance" */
  outputDir?: string;
}

/** What a finished (or stopped) compliance session produced. */
export interface ComplianceSessionResult extends ProbeRunOutcome {
  runId: string;
  configHash: string;
  manifestPath: string;
  /** Records of this run per model. */
  records: Record<string, ComplianceRecord[]>;
  reports: WrittenComplianceReports;
  environment: Record<string, unknown>;
}

/**
 * Run a prepared plan: write the manifest first, run the probes, mark the run complete or
 * interrupted, then write risk_analysis and license_audit from this run's records.
 */
export async function executeCompliance(
  prepared: PreparedCompliance,
  options: ExecuteComplianceOptions = {},
): Promise<ComplianceSessionResult> {
  const { plan, manifest } = prepared;
  const date = options.date ?? (() => new Date());
  const lm = lmstudioEndpoint(prepared.endpoints);
  const capture = options.captureEnvironment ?? captureRunEnvironment;
  const environment = await capture(lm?.url ?? null, {
    allowRemote: lm !== null && lm.allowed_by !== null,
  });
  const git = (environment.git ?? {}) as { commit?: string | null };
  const active = await beginRun(plan.resultsDir, manifest, prepared.run, {
    resumed: prepared.resumed,
    environment,
    date,
  });
  const { run, manifestPath, save } = active;
  // Two runs of one config started in the same second: this one got a suffixed id.
  plan.runId = run.run_id;
  let outcome: ProbeRunOutcome;
  try {
    outcome = await runProbes(plan, {
      createBackend: options.createBackend ??
        ((key, model) =>
          createBackend(model, plan.experiment, {
            ...options.backend,
            modelKey: key,
            endpoint: prepared.endpoints[key],
          })),
      files: run.files,
      onFileAssigned: async (modelKey, file) => {
        run.files[modelKey] = file;
        await save();
      },
      onEvent: options.onEvent,
      host: hostname(),
      gitCommit: git.commit ?? null,
      allowLoad: options.allowLoad,
      signal: options.signal,
      date,
    });
  } catch (error) {
    return await stopRunWithError(active, error);
  }
  run.status = outcome.complete ? "complete" : "interrupted";
  for (const f of outcome.failures) run.notes.push(`${f.modelKey}: ${f.message}`);
  await save();
  const records: Record<string, ComplianceRecord[]> = {};
  for (const key of plan.modelKeys) {
    const file = outcome.files[key];
    const all = file
      ? (await readJsonl(join(plan.resultsDir, file), ComplianceRecordSchema)).records
      : [];
    records[key] = latestAttemptsBy(
      all.filter((r) => r.run_id === plan.runId && r.model_key === key),
      (r) => r.probe_id,
    );
  }
  const reports = await assessCompliance({
    rubric: prepared.rubric,
    rubricPath: prepared.rubricPath,
    licences: prepared.licences,
    licencesPath: prepared.licencesPath,
    probes: prepared.catalogue.probes,
    experiment: plan.experiment,
    allModels: { ...prepared.allModels, ...plan.models },
    models: plan.models,
    records,
    runsWithManifest: new Set([plan.runId]),
    resultsDir: plan.resultsDir,
    endpoints: prepared.endpoints,
  }, options);
  const written = await writeComplianceReports(
    reports,
    options.outputDir ?? defaultComplianceOutputDir(),
    date(),
  );
  return {
    ...outcome,
    runId: plan.runId,
    configHash: plan.configHash,
    manifestPath,
    records,
    reports: written,
    environment,
  };
}
