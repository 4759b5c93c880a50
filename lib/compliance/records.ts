import { join } from "node:path";
import {
  type ModelConfig,
  type ModelEndpoint,
  ModelEndpointSchema,
  ModelSchema,
} from "../config/mod.ts";
import {
  type ComplianceRecord,
  ComplianceRecordSchema,
  type JsonlWarning,
  latestAttemptsBy,
  listManifests,
  readJsonl,
} from "../results/mod.ts";

/** The recorded probe results of one model, from its latest (or a chosen) compliance run. */
export interface RecordedModel {
  modelKey: string;
  /** The model's configuration as the run recorded it. */
  model: ModelConfig;
  runId: string;
  file: string;
  records: ComplianceRecord[];
  /** The endpoint the run reached, as its manifest recorded it (null: in-process or not recorded). */
  endpoint: ModelEndpoint | null;
}

/** What a results folder holds for compliance. */
export interface RecordedCompliance {
  models: Record<string, RecordedModel>;
  /** Runs with a manifest that holds a config hash and at least one environment. */
  runsWithManifest: Set<string>;
  warnings: JsonlWarning[];
  /** Manifests that could not be read (their runs are not included): file and why. */
  skippedManifests: { file: string; message: string }[];
}

/** Options for {@linkcode readComplianceResults}. */
export interface ReadComplianceResultsOptions {
  /** Use only this run. @default the latest run of each model */
  runId?: string;
}

/**
 * Read the compliance runs of a results folder: per model key, the records of the most recently
 * updated run that probed it (or of `runId`), one per probe (its latest attempt: a retried
 * failure is superseded).
 */
export async function readComplianceResults(
  resultsDir: string,
  options: ReadComplianceResultsOptions = {},
): Promise<RecordedCompliance> {
  const { manifests, skipped } = await listManifests(resultsDir);
  const latest = new Map<
    string,
    { updated: string; runId: string; file: string; model: unknown; endpoint: unknown }
  >();
  const runsWithManifest = new Set<string>();
  for (const manifest of manifests) {
    for (const run of manifest.runs) {
      if (run.kind !== "compliance") continue;
      if (options.runId !== undefined && run.run_id !== options.runId) continue;
      if (run.environments.length > 0) runsWithManifest.add(run.run_id);
      for (const [modelKey, file] of Object.entries(run.files)) {
        const seen = latest.get(modelKey);
        if (seen && seen.updated >= run.updated_at) continue;
        const models = (manifest.config as { models?: Record<string, unknown> }).models ?? {};
        latest.set(modelKey, {
          updated: run.updated_at,
          runId: run.run_id,
          file,
          model: models[modelKey],
          endpoint: (run.plan.endpoints as Record<string, unknown> | undefined)?.[modelKey],
        });
      }
    }
  }
  const models: Record<string, RecordedModel> = {};
  const warnings: JsonlWarning[] = [];
  for (const [modelKey, r] of latest) {
    const parsed = ModelSchema.safeParse(r.model);
    if (!parsed.success) continue;
    let records: ComplianceRecord[] = [];
    try {
      const content = await readJsonl(join(resultsDir, r.file), ComplianceRecordSchema);
      warnings.push(...content.warnings);
      records = content.records;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const latest = latestAttemptsBy(
      records.filter((rec) => rec.run_id === r.runId && rec.model_key === modelKey),
      (rec) => rec.probe_id,
    );
    models[modelKey] = {
      modelKey,
      model: parsed.data,
      runId: r.runId,
      file: r.file,
      records: latest,
      endpoint: ModelEndpointSchema.safeParse(r.endpoint).data ?? null,
    };
  }
  return { models, runsWithManifest, warnings, skippedManifests: skipped };
}
