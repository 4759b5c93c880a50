import { z } from "zod";
import { FactSchema } from "./facts.ts";

const level = z.number().int().positive();
const ci = z.tuple([z.number(), z.number()]).nullable();

const AttestationRefSchema = z.object({
  id: z.string(),
  status: z.enum(["pending", "in_place", "not_in_place"]),
  attested_by: z.string().nullable(),
  attested_at: z.string().nullable(),
});

const FactRefSchema = z.object({
  id: z.string(),
  status: z.enum(["pass", "fail", "unknown"]),
  detail: z.string(),
});

/** One risk of one model: measured failure rate, likelihood × impact, mitigations, residual. */
export const RiskEntrySchema = z.object({
  id: z.string(),
  framework: z.string(),
  title: z.string(),
  probe_sets: z.array(z.string()),
  measured: z.boolean(),
  /** Probes with a detector verdict (request errors excluded). */
  probes_run: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  failure_rate: z.object({
    value: z.number().nullable(),
    ci95: ci,
    /** Always `wilson` (older analyses say nothing). */
    ci_method: z.string().optional(),
  }),
  likelihood: z.object({
    level,
    label: z.string(),
    /**
     * measured: from the failure rate; prior: not measured (too few probes); inconclusive:
     * measured, but the model failed the instruction-following gate, so it is never below prior.
     */
    basis: z.enum(["measured", "prior", "inconclusive"]),
    note: z.string(),
  }),
  impact: z.object({ level, label: z.string(), rationale: z.string() }),
  inherent: z.object({ score: level, rating: z.string() }),
  mitigations: z.array(z.object({
    id: z.string(),
    title: z.string(),
    evidence: z.string(),
    in_place: z.boolean(),
    likelihood_reduction: z.number().int().nonnegative(),
    impact_reduction: z.number().int().nonnegative(),
  })),
  residual: z.object({
    likelihood: level,
    impact: level,
    score: level,
    rating: z.string(),
    within_tolerance: z.boolean(),
  }),
  evidence_record_ids: z.array(z.string()),
  failed_record_ids: z.array(z.string()),
  facts: z.array(FactRefSchema),
  attestations: z.array(AttestationRefSchema),
  findings: z.array(z.string()),
});

/** One NIST AI RMF subcategory for one model: which evidence exists and what it shows. */
export const NistEntrySchema = z.object({
  id: z.string(),
  function: z.enum(["GOVERN", "MAP", "MEASURE", "MANAGE"]),
  title: z.string(),
  coverage: z.array(z.enum(["measured", "fact", "attestation"])),
  measured: z.array(z.object({
    risk: z.string(),
    probes_run: z.number().int().nonnegative(),
    failures: z.number().int().nonnegative(),
    residual_rating: z.string(),
  })),
  facts: z.array(FactRefSchema),
  attestations: z.array(AttestationRefSchema),
  /** complete: every piece of evidence exists; partial: some; missing: none. */
  evidence_status: z.enum(["complete", "partial", "missing"]),
  findings: z.array(z.string()),
});

/** The instruction-following gate of one model (rubric `instruction_gate`). */
export const InstructionGateSchema = z.object({
  probe_sets: z.array(z.string()),
  min_pass_rate: z.number(),
  /** Control probes with a verdict. */
  probes_run: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  pass_rate: z.number().nullable(),
  /** passed: probe results count; failed: they are inconclusive; not_run: no control result. */
  status: z.enum(["passed", "failed", "not_run"]),
});

/** Everything assessed for one model. */
export const ModelAnalysisSchema = z.object({
  model_key: z.string(),
  model_id: z.string(),
  backend: z.string(),
  format: z.string(),
  quantization: z.string(),
  runs: z.array(z.string()),
  probes_run: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  facts: z.array(FactSchema),
  /** The instruction-following gate; absent when the rubric has none (and in older analyses). */
  instruction_gate: InstructionGateSchema.optional(),
  risks: z.array(RiskEntrySchema),
  nist: z.array(NistEntrySchema),
  summary: z.object({
    max_residual_score: level,
    max_residual_rating: z.string(),
    risks_above_tolerance: z.array(z.string()),
  }),
});

/** `risk_analysis_<stamp>.json` */
export const RiskAnalysisSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("risk_analysis"),
  generated_at: z.iso.datetime(),
  rubric: z.object({
    path: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    frameworks: z.object({ owasp: z.string(), nist: z.string() }),
  }),
  /** The rubric's scales and rules, copied so the file explains its own numbers. */
  method: z.record(z.string(), z.unknown()),
  deployment_facts: z.array(FactSchema),
  attestations: z.array(AttestationRefSchema.extend({ statement: z.string() })),
  /** Probes available per risk in data/compliance. */
  probe_catalogue: z.record(z.string(), z.number().int().nonnegative()),
  models: z.array(ModelAnalysisSchema),
  notes: z.array(z.string()),
});

/** One risk entry. */
export type RiskEntry = z.output<typeof RiskEntrySchema>;
/** One model's instruction-following gate. */
export type InstructionGate = z.output<typeof InstructionGateSchema>;
/** One NIST entry. */
export type NistEntry = z.output<typeof NistEntrySchema>;
/** One model's analysis. */
export type ModelAnalysis = z.output<typeof ModelAnalysisSchema>;
/** The risk analysis report. */
export type RiskAnalysis = z.output<typeof RiskAnalysisSchema>;
