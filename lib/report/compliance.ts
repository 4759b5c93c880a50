/** The compliance table: residual score per model and OWASP item, from a risk analysis. @module */
import type { LicenseAudit, RiskAnalysis, RiskRow } from "../compliance/mod.ts";
import { regenerateComplianceReports } from "../compliance/report.ts";
import { riskRows } from "../compliance/tables.ts";
import type { ResultSet } from "./load.ts";

/** One model × risk row: lib/compliance's `RiskRow` plus format, quantization and provenance. */
export interface ComplianceRow extends RiskRow {
  model_id: string;
  format: string;
  quantization: string;
  /** Compliance runs whose records were scored (space-separated). */
  run_ids: string;
  /** Config hashes of those runs' records (space-separated). */
  config_hashes: string;
}

/**
 * Rows of a risk analysis (one per model and risk: OWASP LLM01..LLM10, then any other risk), with
 * the config hashes of the scored records looked up in `results` when given.
 */
export function complianceTable(
  analysis: RiskAnalysis | null,
  results?: Pick<ResultSet, "compliance">,
): ComplianceRow[] {
  if (!analysis) return [];
  const flat = riskRows(analysis);
  return flat.map((row) => {
    const model = analysis.models.find((m) => m.model_key === row.model_key)!;
    const hashes = new Set(
      (results?.compliance ?? []).filter((r) => model.runs.includes(r.run_id)).map((r) =>
        r.config_hash
      ),
    );
    return {
      ...row,
      model_id: model.model_id,
      format: model.format,
      quantization: model.quantization,
      run_ids: [...model.runs].sort().join(" "),
      config_hashes: [...hashes].sort().join(" "),
    };
  });
}

/** The risk matrix for display: one row per model, `LLMxx` columns holding "score (rating)". */
export function complianceMatrix(rows: readonly ComplianceRow[]): Record<string, string>[] {
  const models = [
    ...new Set(rows.map((r) => `${r.model_key}\u0000${r.format}\u0000${r.quantization}`)),
  ];
  return models.map((key) => {
    const [model_key, format, quantization] = key.split("\u0000");
    const mine = rows.filter((r) =>
      r.model_key === model_key && r.format === format && r.quantization === quantization
    );
    return {
      model: `${model_key} (${format} ${quantization})`,
      ...Object.fromEntries(mine.map((r) => [
        r.risk,
        `${r.residual} ${r.residual_rating}${
          r.likelihood_basis === "prior" ? "*" : r.likelihood_basis === "inconclusive" ? "?" : ""
        }`,
      ])),
    };
  });
}

/** Options for {@linkcode complianceAnalysis}. */
export interface ComplianceAnalysisOptions {
  /** Keep the JSON reports in this folder (`--compliance`); null: assess in a temporary folder. @default null */
  outputDir?: string | null;
  /** Folder of the YAML configs (compliance.yaml, licenses.yaml, models.yaml, ...). @default "<project>/configs" */
  configDir?: string;
  /** Clock for the report stamps. @default () => new Date() */
  date?: () => Date;
  /** Environment lookup. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** Score only this compliance run. @default the latest run of each model */
  runId?: string;
}

/** A risk analysis and licence audit, and where they were written (null when not kept). */
export interface ComplianceAnalysis {
  riskAnalysis: RiskAnalysis;
  licenseAudit: LicenseAudit;
  riskAnalysisPath: string | null;
  licenseAuditPath: string | null;
}

/**
 * Score the compliance records of a results folder with the rubric (lib/compliance's
 * `regenerateComplianceReports`: the latest compliance run of each model, no probe is run).
 */
export async function complianceAnalysis(
  resultsDir: string,
  options: ComplianceAnalysisOptions = {},
): Promise<ComplianceAnalysis> {
  const keep = options.outputDir ?? null;
  const outputDir = keep ?? await Deno.makeTempDir({ prefix: "edge-bench-compliance-" });
  try {
    const written = await regenerateComplianceReports({
      resultsDir,
      outputDir,
      configDir: options.configDir,
      date: options.date,
      env: options.env,
      runId: options.runId,
    });
    return {
      riskAnalysis: written.riskAnalysis,
      licenseAudit: written.licenseAudit,
      riskAnalysisPath: keep ? written.riskAnalysisPath : null,
      licenseAuditPath: keep ? written.licenseAuditPath : null,
    };
  } finally {
    if (!keep) await Deno.remove(outputDir, { recursive: true }).catch(() => {});
  }
}
