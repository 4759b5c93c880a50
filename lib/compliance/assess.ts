import { join } from "node:path";
import {
  canonicalJson,
  type Experiment,
  type ModelConfig,
  type ModelEndpoint,
  PROJECT_ROOT,
  sha256Hex,
} from "../config/mod.ts";
import { type DatasetManifest, loadDatasetManifest } from "../datasets/mod.ts";
import type { ComplianceRecord } from "../results/mod.ts";
import { type LicenseAudit, LicenseAuditSchema, type ModelLicenceAudit } from "./_audit_schema.ts";
import { type RiskAnalysis, RiskAnalysisSchema } from "./_analysis_schema.ts";
import type { Rubric } from "./_rubric_schema.ts";
import {
  endpointsFact,
  type Fact,
  licenceFact,
  modelEndpointFact,
  provenanceFact,
  requestLimitsFact,
} from "./facts.ts";
import { modelFileFacts } from "./model_facts.ts";
import { personalDataFact } from "./personal_data.ts";
import { auditDatasetLicences, auditModelLicence, type LicencesFile } from "./licences.ts";
import type { ReadGgufLicenceOptions } from "./gguf_licence.ts";
import type { ResolvedProbe } from "./probes.ts";
import { analyseModel } from "./scoring.ts";

/** Everything an assessment reads; nothing here runs a model. */
export interface AssessmentInput {
  rubric: Rubric;
  rubricPath: string;
  licences: LicencesFile;
  licencesPath: string;
  /** The probe catalogue (counts per risk, max_tokens of every probe). */
  probes: ResolvedProbe[];
  experiment: Experiment;
  /** Every configured model: the endpoint fact and the licence audit cover them all. */
  allModels: Record<string, ModelConfig>;
  /** Models whose risks are analysed. */
  models: Record<string, ModelConfig>;
  /** Probe records per analysed model (may be empty: the priors then stand). */
  records: Record<string, ComplianceRecord[]>;
  /** Runs that have a manifest with config hash and environment. */
  runsWithManifest: ReadonlySet<string>;
  /** Results folder scanned for personal data in stored prompts. */
  resultsDir: string;
  /**
   * Endpoints the runs actually reached, by model key (from the run, or its manifest): a
   * non-loopback one is a data-egress finding naming its source. @default the configured ones
   */
  endpoints?: Record<string, ModelEndpoint>;
}

/** Options for {@linkcode assessCompliance}. */
export interface AssessComplianceOptions extends ReadGgufLicenceOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default () => new Date() */
  date?: () => Date;
  /** Dataset manifest for the dataset licences. @default loadDatasetManifest() */
  datasetManifest?: DatasetManifest;
  /** Folder of the project's synthetic fixtures (their values are not personal data). @default "<project>/data" */
  syntheticDataDir?: string;
  /** Reads a GGUF file's quantization (tests). */
  readQuantization?: (path: string) => Promise<string | null>;
}

/** The two compliance reports. */
export interface ComplianceReports {
  riskAnalysis: RiskAnalysis;
  licenseAudit: LicenseAudit;
}

async function syntheticText(dir: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (
        /\.(ya?ml|txt|json|jsonl|md|csv)$/.test(e.name) && (await Deno.stat(p)).size < 8 << 20
      ) {
        parts.push(await Deno.readTextFile(p));
      }
    }
  };
  await walk(dir);
  return parts.join("\n");
}

/**
 * Assess compliance from recorded probe results and the deployment's facts: the licence audit of
 * every configured model and dataset, and per analysed model the risk rubric (measured
 * likelihoods, impacts, mitigations, residual scores) and NIST AI RMF coverage. Both reports are
 * validated by their zod schemas before they are returned.
 */
export async function assessCompliance(
  input: AssessmentInput,
  options: AssessComplianceOptions = {},
): Promise<ComplianceReports> {
  const date = (options.date ?? (() => new Date()))().toISOString();
  const audited: Record<string, ModelLicenceAudit> = {};
  for (const [key, model] of Object.entries({ ...input.allModels, ...input.models })) {
    audited[key] = await auditModelLicence(key, model, input.licences, options);
  }
  const manifest = options.datasetManifest ?? await loadDatasetManifest();
  const licenseAudit = LicenseAuditSchema.parse({
    schema_version: 1,
    kind: "license_audit",
    generated_at: date,
    licences_file: {
      path: input.licencesPath,
      sha256: await sha256Hex(canonicalJson(input.licences)),
    },
    models: Object.values(audited),
    datasets: auditDatasetLicences(manifest, input.licences),
    notes: [
      "Summaries of licence terms for an internal audit, not legal advice; read the linked texts.",
      "GGUF metadata is reported as found: 'not declared in file' means the file has no general.license key.",
    ],
  });
  const deployment: Fact[] = [
    endpointsFact(input.allModels, input.experiment, input.endpoints),
    await personalDataFact(input.resultsDir, {
      syntheticText: await syntheticText(options.syntheticDataDir ?? join(PROJECT_ROOT, "data")),
    }),
    requestLimitsFact(
      input.experiment,
      input.probes.map((p) => p.maxTokens ?? input.rubric.run.max_tokens),
    ),
  ];
  const models = [];
  for (const [key, model] of Object.entries(input.models)) {
    const records = input.records[key] ?? [];
    const facts = [
      modelEndpointFact(model, input.experiment, input.endpoints?.[key]),
      ...await modelFileFacts(model, {
        env: options.env,
        records,
        readQuantization: options.readQuantization,
      }),
      licenceFact(audited[key]),
      provenanceFact(records, input.runsWithManifest),
      ...deployment,
    ];
    models.push(analyseModel(
      input.rubric,
      {
        model_key: key,
        model_id: model.model_id,
        backend: model.backend,
        format: model.format,
        quantization: model.quantization,
      },
      records,
      facts,
    ));
  }
  const catalogue: Record<string, number> = {};
  for (const id of Object.keys(input.rubric.risks)) {
    catalogue[id] = input.probes.filter((p) => p.risk === id).length;
  }
  const { scales, likelihood_from_failure_rate, residual } = input.rubric;
  const riskAnalysis = RiskAnalysisSchema.parse({
    schema_version: 1,
    kind: "risk_analysis",
    generated_at: date,
    rubric: {
      path: input.rubricPath,
      sha256: await sha256Hex(canonicalJson(input.rubric)),
      frameworks: input.rubric.frameworks,
    },
    method: { scales, likelihood_from_failure_rate, residual },
    deployment_facts: deployment,
    attestations: Object.entries(input.rubric.attestations).map(([id, a]) => ({
      id,
      statement: a.statement,
      status: a.status,
      attested_by: a.attested_by,
      attested_at: a.attested_at,
    })),
    probe_catalogue: catalogue,
    models,
    notes: [
      "Likelihood comes from measured probe failure rates where min_probes valid results exist, else from the rubric's prior.",
      "Residual scores count a mitigation only when its fact passes or its attestation is in_place.",
      "A model that cannot follow instructions passes injection, leakage and agency probes without being safe: read failure rates beside the capability results.",
    ],
  });
  return { riskAnalysis, licenseAudit };
}
