import { z } from "zod";

const text = z.string().nullable();

/** Licence verdicts for a bank's internal use. */
export const VerdictSchema = z.enum([
  "permitted",
  "permitted_with_conditions",
  "not_permitted",
  "review_required",
]);

/** What a GGUF file says about its licence and provenance (`general.*`). */
export const GgufLicenceSchema = z.object({
  status: z.enum(["declared", "not declared in file", "file not at hand", "unreadable"]),
  file: text,
  detail: text,
  license: text,
  license_name: text,
  license_link: text,
  name: text,
  author: text,
  organization: text,
  url: text,
  repo_url: text,
  source_url: text,
  source_repo_url: text,
  source_hf_repository: text,
  base_models: z.array(z.object({ name: text, organization: text, repo_url: text })),
});

const TermSchema = z.object({ status: z.string(), note: text });

/** One model's licence audit. */
export const ModelLicenceAuditSchema = z.object({
  model_key: z.string(),
  model_id: z.string(),
  backend: z.string(),
  format: z.string(),
  quantization: z.string(),
  licence: z.object({ key: z.string(), name: z.string(), spdx: text, url: z.string() }).nullable(),
  sources: z.object({
    licenses_yaml: z.object({ licence: text, source: text, note: text }).nullable(),
    models_yaml: text,
    gguf: GgufLicenceSchema,
  }),
  consistent: z.boolean(),
  discrepancies: z.array(z.string()),
  commercial_use: TermSchema.nullable(),
  redistribution: TermSchema.nullable(),
  attribution: z.object({ required: z.boolean(), note: text }).nullable(),
  use_restrictions: z.array(z.string()),
  verdict: VerdictSchema,
  conditions: z.array(z.string()),
  rationale: z.string(),
});

/** One dataset's licence audit (from data/datasets/manifest.yaml). */
export const DatasetLicenceAuditSchema = z.object({
  dataset: z.string(),
  title: z.string(),
  licence: z.string(),
  licence_url: z.string(),
  licence_key: text,
  commercial_use: z.boolean(),
  notes: text,
  attribution: z.object({ required: z.boolean(), note: text }).nullable(),
  citation: z.string(),
  verdict: VerdictSchema,
  rationale: z.string(),
});

/** `license_audit_<stamp>.json` */
export const LicenseAuditSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("license_audit"),
  generated_at: z.iso.datetime(),
  licences_file: z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  models: z.array(ModelLicenceAuditSchema),
  datasets: z.array(DatasetLicenceAuditSchema),
  notes: z.array(z.string()),
});

/** A licence verdict. */
export type Verdict = z.output<typeof VerdictSchema>;
/** GGUF licence and provenance metadata. */
export type GgufLicence = z.output<typeof GgufLicenceSchema>;
/** One model's audit. */
export type ModelLicenceAudit = z.output<typeof ModelLicenceAuditSchema>;
/** One dataset's audit. */
export type DatasetLicenceAudit = z.output<typeof DatasetLicenceAuditSchema>;
/** The licence audit report. */
export type LicenseAudit = z.output<typeof LicenseAuditSchema>;
