import { join, resolve } from "node:path";
import {
  loadProjectConfig,
  type ModelConfig,
  PROJECT_ROOT,
  resolveOutputPath,
  selectNames,
} from "../config/mod.ts";
import { ensureResultsDir, fileStamp, writeFileAtomic } from "../results/mod.ts";
import {
  assessCompliance,
  type AssessComplianceOptions,
  type ComplianceReports,
} from "./assess.ts";
import { loadLicences } from "./licences.ts";
import { DEFAULT_PROBES_DIR, loadProbeSets } from "./probes.ts";
import { readComplianceResults } from "./records.ts";
import { checkRubricProbeSets, loadRubric } from "./rubric.ts";
import type { ComplianceEvent } from "./runner.ts";

/** Where the reports go by default: `report/compliance/` (under `$EDGE_BENCH_OUTPUT_DIR` when set). */
export function defaultComplianceOutputDir(): string {
  return resolveOutputPath(join("report", "compliance"));
}

/** The reports and the files they were written to. */
export interface WrittenComplianceReports extends ComplianceReports {
  riskAnalysisPath: string;
  licenseAuditPath: string;
  /** Run manifests of the results folder that could not be read, so their runs were left out. */
  skippedManifests?: { file: string; message: string }[];
}

/** Write `risk_analysis_<stamp>.json` and `license_audit_<stamp>.json` into a folder. */
export async function writeComplianceReports(
  reports: ComplianceReports,
  outputDir: string,
  date: Date = new Date(),
): Promise<WrittenComplianceReports> {
  await ensureResultsDir(outputDir);
  const stamp = fileStamp(date);
  const riskAnalysisPath = join(outputDir, `risk_analysis_${stamp}.json`);
  const licenseAuditPath = join(outputDir, `license_audit_${stamp}.json`);
  await writeFileAtomic(riskAnalysisPath, JSON.stringify(reports.riskAnalysis, null, 2) + "\n");
  await writeFileAtomic(licenseAuditPath, JSON.stringify(reports.licenseAudit, null, 2) + "\n");
  return { ...reports, riskAnalysisPath, licenseAuditPath };
}

/** Options for {@linkcode regenerateComplianceReports}. */
export interface RegenerateComplianceOptions extends AssessComplianceOptions {
  /** Results folder with the probe records and manifests. @default experiment.results_dir */
  resultsDir?: string;
  /** Where the two reports go. @default "<project>/report/compliance" */
  outputDir?: string;
  /** Folder of experiment.yaml, models.yaml, scenarios.yaml, compliance.yaml, licenses.yaml. @default "<project>/configs" */
  configDir?: string;
  /** Folder of the probe sets. @default "<project>/data/compliance" */
  probesDir?: string;
  /** Use only this compliance run. @default the latest run of each model */
  runId?: string;
  /** Models to analyse (keys or `all`). @default the models with recorded results, or all configured ones */
  models?: string | string[];
}

/**
 * Rebuild risk_analysis and license_audit from recorded probe results, without running a probe:
 * for each model, the records of its latest compliance run (or `runId`) are scored with the
 * current rubric; models without records are analysed from the rubric's priors and the facts.
 * Used by `deno task compliance --no-probes` and `deno task report --compliance`.
 */
export async function regenerateComplianceReports(
  options: RegenerateComplianceOptions = {},
): Promise<WrittenComplianceReports> {
  const configDir = options.configDir ?? join(PROJECT_ROOT, "configs");
  const config = await loadProjectConfig({ configDir, env: options.env });
  const rubricPath = join(configDir, "compliance.yaml");
  const licencesPath = join(configDir, "licenses.yaml");
  const rubric = await loadRubric(rubricPath);
  const licences = await loadLicences(licencesPath);
  const catalogue = await loadProbeSets(options.probesDir ?? DEFAULT_PROBES_DIR);
  checkRubricProbeSets(rubric, catalogue.sets, rubricPath);
  const resultsDir = options.resultsDir
    ? resolve(options.resultsDir)
    : resolveOutputPath(config.experiment.results_dir);
  const recorded = await readComplianceResults(resultsDir, { runId: options.runId });
  const known: Record<string, ModelConfig> = { ...config.models };
  for (const r of Object.values(recorded.models)) known[r.modelKey] ??= r.model;
  const keys = options.models !== undefined
    ? selectNames("model", known, options.models)
    : Object.keys(recorded.models).length
    ? Object.keys(recorded.models)
    : Object.keys(config.models);
  const models: Record<string, ModelConfig> = {};
  for (const k of keys) models[k] = recorded.models[k]?.model ?? known[k];
  const reports = await assessCompliance({
    rubric,
    rubricPath,
    licences,
    licencesPath,
    probes: catalogue.probes,
    experiment: config.experiment,
    allModels: config.models,
    models,
    records: Object.fromEntries(keys.map((k) => [k, recorded.models[k]?.records ?? []])),
    runsWithManifest: recorded.runsWithManifest,
    resultsDir,
    endpoints: Object.fromEntries(
      keys.flatMap((k) => {
        const e = recorded.models[k]?.endpoint;
        return e ? [[k, e]] : [];
      }),
    ),
  }, options);
  const written = await writeComplianceReports(
    reports,
    options.outputDir ?? defaultComplianceOutputDir(),
    (options.date ?? (() => new Date()))(),
  );
  return { ...written, skippedManifests: recorded.skippedManifests };
}

/** Options for {@linkcode ensureComplianceReports}. */
export interface EnsureComplianceReportsOptions extends RegenerateComplianceOptions {
  /** Probes per set for the quick run made when nothing is recorded. @default 2 */
  limit?: number;
  /** max_tokens cap of that quick run. @default 48 */
  maxTokens?: number;
  /** Models probed by the quick run. @default "stories260k" */
  quickModels?: string;
  /** Progress of that quick run. */
  onEvent?: (event: ComplianceEvent) => void;
}

/**
 * Reports from recorded results when the results folder holds compliance runs; otherwise a quick
 * probe run first (a few probes per set on `quickModels`), then the reports. For notebooks.
 */
export async function ensureComplianceReports(
  options: EnsureComplianceReportsOptions = {},
): Promise<WrittenComplianceReports> {
  const configDir = options.configDir ?? join(PROJECT_ROOT, "configs");
  const resultsDir = options.resultsDir ??
    resolveOutputPath(
      (await loadProjectConfig({ configDir, env: options.env })).experiment.results_dir,
    );
  const recorded = await readComplianceResults(resultsDir, { runId: options.runId });
  if (Object.keys(recorded.models).length === 0) {
    const { prepareCompliance, executeCompliance } = await import("./session.ts");
    const prepared = await prepareCompliance({
      models: options.quickModels ?? "stories260k",
      limit: options.limit ?? 2,
      maxTokens: options.maxTokens ?? 48,
      configDir,
      resultsDir,
      probesDir: options.probesDir,
    }, { env: options.env, date: options.date });
    return (await executeCompliance(prepared, options)).reports;
  }
  return regenerateComplianceReports({ ...options, resultsDir });
}
