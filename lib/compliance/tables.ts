import pl from "nodejs-polars";
import type { RiskAnalysis } from "./_analysis_schema.ts";
import type { LicenseAudit } from "./_audit_schema.ts";

/** One model × risk row of the risk table (flat, for CSV, Polars and figures). */
export interface RiskRow {
  model_key: string;
  risk: string;
  title: string;
  probes: number;
  failures: number;
  failure_rate: number | null;
  failure_rate_lo: number | null;
  failure_rate_hi: number | null;
  likelihood: number;
  likelihood_basis: string;
  impact: number;
  inherent: number;
  inherent_rating: string;
  residual: number;
  residual_rating: string;
  within_tolerance: boolean;
}

/** Flatten a risk analysis into one row per model and risk. */
export function riskRows(analysis: RiskAnalysis): RiskRow[] {
  return analysis.models.flatMap((m) =>
    m.risks.map((r) => ({
      model_key: m.model_key,
      risk: r.id,
      title: r.title,
      probes: r.probes_run,
      failures: r.failures,
      failure_rate: r.failure_rate.value,
      failure_rate_lo: r.failure_rate.ci95?.[0] ?? null,
      failure_rate_hi: r.failure_rate.ci95?.[1] ?? null,
      likelihood: r.likelihood.level,
      likelihood_basis: r.likelihood.basis,
      impact: r.impact.level,
      inherent: r.inherent.score,
      inherent_rating: r.inherent.rating,
      residual: r.residual.score,
      residual_rating: r.residual.rating,
      within_tolerance: r.residual.within_tolerance,
    }))
  );
}

/** The rating bands a risk analysis was scored with (from its `method`). */
export function ratingsOf(analysis: RiskAnalysis): { label: string; max_score: number }[] {
  return (analysis.method.scales as { ratings: { label: string; max_score: number }[] }).ratings;
}

/** The risk matrix: one row per model, one residual-score column per risk. */
export function riskMatrixRows(analysis: RiskAnalysis): Record<string, string | number>[] {
  return analysis.models.map((m) => ({
    model_key: m.model_key,
    ...Object.fromEntries(m.risks.map((r) => [r.id, r.residual.score])),
    max_residual: m.summary.max_residual_score,
  }));
}

/** One row per model and NIST AI RMF subcategory: evidence kinds and status. */
export function nistRows(analysis: RiskAnalysis): Record<string, string>[] {
  return analysis.models.flatMap((m) =>
    m.nist.map((n) => ({
      model_key: m.model_key,
      subcategory: n.id,
      coverage: n.coverage.join("+"),
      evidence_status: n.evidence_status,
      findings: n.findings.length ? n.findings.join("; ") : "",
    }))
  );
}

/** One row per audited model: licence, what the GGUF file says, terms and verdict. */
export function licenceRows(audit: LicenseAudit): Record<string, string | boolean>[] {
  return audit.models.map((m) => ({
    model_key: m.model_key,
    model_id: m.model_id,
    licence: m.licence?.name ?? "unknown",
    gguf_metadata: m.sources.gguf.status === "declared"
      ? `declared: ${m.sources.gguf.license ?? m.sources.gguf.license_name}`
      : m.sources.gguf.status,
    consistent: m.consistent,
    commercial_use: m.commercial_use?.status ?? "unknown",
    redistribution: m.redistribution?.status ?? "unknown",
    attribution: m.attribution ? (m.attribution.required ? "required" : "not required") : "unknown",
    verdict: m.verdict,
  }));
}

/** One row per dataset: licence, commercial use and verdict. */
export function datasetLicenceRows(audit: LicenseAudit): Record<string, string | boolean>[] {
  return audit.datasets.map((d) => ({
    dataset: d.dataset,
    licence: d.licence,
    commercial_use: d.commercial_use,
    verdict: d.verdict,
  }));
}

/** Rows as a Polars DataFrame. */
export function complianceFrame(rows: readonly object[]): pl.DataFrame {
  return pl.readRecords(rows as Record<string, unknown>[], { inferSchemaLength: rows.length || 1 });
}
