import { join } from "node:path";
import { z } from "zod";
import { resolveModelFile } from "../backends/mod.ts";
import { type ModelConfig, PROJECT_ROOT, resolveProjectPath } from "../config/mod.ts";
import { loadYamlFile } from "../config/mod.ts";
import type { DatasetManifest } from "../datasets/mod.ts";
import {
  type DatasetLicenceAudit,
  type GgufLicence,
  type ModelLicenceAudit,
  VerdictSchema,
} from "./_audit_schema.ts";
import { ggufNotAtHand, readGgufLicence, type ReadGgufLicenceOptions } from "./gguf_licence.ts";

/** Where the licences live by default: `configs/licenses.yaml`. */
export const DEFAULT_LICENCES_PATH: string = join(PROJECT_ROOT, "configs", "licenses.yaml");

const Term = z.object({
  status: z.enum(["allowed", "allowed_with_conditions", "not_allowed", "unclear"]),
  note: z.string().min(1).optional(),
}).strict();

/** One licence and what it means for a bank's internal use. */
export const LicenceEntrySchema = z.object({
  name: z.string().min(1),
  spdx: z.string().min(1).nullable(),
  url: z.url(),
  aliases: z.array(z.string().min(1)).default([]),
  commercial_use: Term,
  redistribution: Term,
  attribution: z.object({ required: z.boolean(), note: z.string().min(1).optional() }).strict(),
  use_restrictions: z.array(z.string().min(1)).default([]),
  bank_internal_use: z.object({
    verdict: VerdictSchema,
    conditions: z.array(z.string().min(1)).default([]),
    rationale: z.string().min(1),
  }).strict(),
}).strict();

/** configs/licenses.yaml */
export const LicencesFileSchema = z.object({
  version: z.literal(1),
  licences: z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/), LicenceEntrySchema),
  models: z.record(
    z.string().min(1),
    z.object({
      licence: z.string().min(1).nullable(),
      source: z.string().min(1).optional(),
      note: z.string().min(1).optional(),
    }).strict(),
  ).default({}),
}).strict().superRefine((file, ctx) => {
  for (const [id, m] of Object.entries(file.models)) {
    if (m.licence !== null && !Object.hasOwn(file.licences, m.licence)) {
      ctx.addIssue({
        code: "custom",
        path: ["models", id, "licence"],
        message: `must be a key of 'licences' (${Object.keys(file.licences).join(", ")})`,
      });
    }
  }
});

/** The parsed licences file. */
export type LicencesFile = z.output<typeof LicencesFileSchema>;
/** One parsed licence. */
export type LicenceEntry = z.output<typeof LicenceEntrySchema>;

/** Read and validate configs/licenses.yaml. */
export function loadLicences(path: string = DEFAULT_LICENCES_PATH): Promise<LicencesFile> {
  return loadYamlFile(path, LicencesFileSchema);
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The licence key a spelling names (key, SPDX id or alias; case and punctuation ignored). */
export function licenceKeyFor(licences: LicencesFile, spelling: string): string | null {
  const want = squash(spelling);
  for (const [key, l] of Object.entries(licences.licences)) {
    if ([key, l.spdx ?? "", ...l.aliases].some((a) => a && squash(a) === want)) return key;
  }
  return null;
}

/** Options for {@linkcode auditModelLicence}. */
export interface AuditModelLicenceOptions extends ReadGgufLicenceOptions {
  /** GGUF file to read instead of the model's own (key: model key). */
  ggufFile?: string;
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

async function ggufFor(
  model: ModelConfig,
  options: AuditModelLicenceOptions,
): Promise<GgufLicence> {
  if (options.ggufFile) return readGgufLicence(options.ggufFile, options);
  if (model.backend === "embedded") {
    try {
      const file = await resolveModelFile(model, { download: false, env: options.env });
      return readGgufLicence(file.path, options);
    } catch (error) {
      return ggufNotAtHand((error as Error).message);
    }
  }
  if (model.backend === "openai" && model.server) {
    return readGgufLicence(resolveProjectPath(model.server.model_path), options);
  }
  if (model.tokenizer_file) {
    const g = await readGgufLicence(resolveProjectPath(model.tokenizer_file), options);
    return { ...g, detail: [g.detail, "read from tokenizer_file"].filter(Boolean).join("; ") };
  }
  return ggufNotAtHand(`served by ${model.backend}: the tool has no copy of the model file`);
}

/**
 * Audit one model's licence: configs/licenses.yaml (by model id), the `licence` field of
 * configs/models.yaml, and the GGUF metadata when the file is at hand, cross-checked; then the
 * licence's terms and a verdict for a bank's internal use (review_required when the licence is
 * unknown or the sources disagree).
 */
export async function auditModelLicence(
  modelKey: string,
  model: ModelConfig,
  licences: LicencesFile,
  options: AuditModelLicenceOptions = {},
): Promise<ModelLicenceAudit> {
  const listed = licences.models[model.model_id] ?? null;
  const gguf = await ggufFor(model, options);
  const declared: { source: string; spelling: string; key: string | null }[] = [];
  if (listed?.licence) {
    declared.push({ source: "licenses.yaml", spelling: listed.licence, key: listed.licence });
  }
  if (model.licence) {
    declared.push({
      source: "models.yaml",
      spelling: model.licence,
      key: licenceKeyFor(licences, model.licence),
    });
  }
  const ggufSpelling = gguf.license ?? gguf.license_name;
  if (ggufSpelling) {
    declared.push({
      source: "GGUF metadata",
      spelling: ggufSpelling,
      key: licenceKeyFor(licences, ggufSpelling),
    });
  }
  const discrepancies: string[] = [];
  for (const d of declared) {
    if (d.key === null) {
      discrepancies.push(
        `${d.source} names '${d.spelling}', which configs/licenses.yaml does not define`,
      );
    }
  }
  const keys = [...new Set(declared.map((d) => d.key).filter((k): k is string => k !== null))];
  if (keys.length > 1) {
    discrepancies.push(
      `sources disagree: ${declared.map((d) => `${d.source} '${d.spelling}'`).join(", ")}`,
    );
  }
  const key = keys[0] ?? null;
  const entry = key ? licences.licences[key] : null;
  const base = {
    model_key: modelKey,
    model_id: model.model_id,
    backend: model.backend,
    format: model.format,
    quantization: model.quantization,
    sources: {
      licenses_yaml: listed
        ? { licence: listed.licence, source: listed.source ?? null, note: listed.note ?? null }
        : null,
      models_yaml: model.licence ?? null,
      gguf,
    },
    consistent: discrepancies.length === 0,
    discrepancies,
  };
  if (!entry) {
    return {
      ...base,
      licence: null,
      commercial_use: null,
      redistribution: null,
      attribution: null,
      use_restrictions: [],
      verdict: "review_required",
      conditions: ["Establish the licence of the weights before any use."],
      rationale: listed?.note ?? "No source declares a licence for this model.",
    };
  }
  return {
    ...base,
    licence: { key: key!, name: entry.name, spdx: entry.spdx, url: entry.url },
    commercial_use: {
      status: entry.commercial_use.status,
      note: entry.commercial_use.note ?? null,
    },
    redistribution: {
      status: entry.redistribution.status,
      note: entry.redistribution.note ?? null,
    },
    attribution: { required: entry.attribution.required, note: entry.attribution.note ?? null },
    use_restrictions: entry.use_restrictions,
    verdict: discrepancies.length ? "review_required" : entry.bank_internal_use.verdict,
    conditions: entry.bank_internal_use.conditions,
    rationale: discrepancies.length
      ? `Licence sources disagree or are unknown; ${entry.bank_internal_use.rationale}`
      : entry.bank_internal_use.rationale,
  };
}

/**
 * Audit the datasets of data/datasets/manifest.yaml: a dataset whose manifest says
 * `commercial_use: false` is not permitted for a bank's internal use, whatever its licence name.
 */
export function auditDatasetLicences(
  manifest: DatasetManifest,
  licences: LicencesFile,
): DatasetLicenceAudit[] {
  return Object.entries(manifest.datasets).map(([name, d]) => {
    const key = licenceKeyFor(licences, d.license);
    const entry = key ? licences.licences[key] : null;
    const verdict = !d.commercial_use
      ? "not_permitted" as const
      : entry?.bank_internal_use.verdict ?? "review_required" as const;
    return {
      dataset: name,
      title: d.title,
      licence: d.license,
      licence_url: d.license_url,
      licence_key: key,
      commercial_use: d.commercial_use,
      notes: d.license_notes ?? null,
      attribution: entry
        ? { required: entry.attribution.required, note: entry.attribution.note ?? null }
        : null,
      citation: d.citation,
      verdict,
      rationale: !d.commercial_use
        ? `Not for commercial use: ${
          d.license_notes ?? `${d.license} does not allow it`
        }. Usable for non-commercial research only.`
        : entry?.bank_internal_use.rationale ??
          `Licence ${d.license} is not described in configs/licenses.yaml.`,
    };
  });
}
