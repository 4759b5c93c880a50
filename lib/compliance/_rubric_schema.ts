import { z } from "zod";

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const keyName = z.string().regex(/^[a-z0-9][a-z0-9_]*$/, "must be lower-case letters, digits, _");

const LevelSchema = z.object({
  level: positiveInt,
  label: z.string().min(1),
  meaning: z.string().min(1),
}).strict();

const scale = (name: string) =>
  z.array(LevelSchema, {
    error: (issue) =>
      issue.input === undefined
        ? `must be given: the ${name} scale is missing (a list of levels 1..N)`
        : `must be a list of ${name} levels`,
  }).min(2, `must have at least two ${name} levels`);

/** Score bands: the first band whose `max_score` is at least the score names the rating. */
const RatingSchema = z.object({ label: z.string().min(1), max_score: positiveInt }).strict();

/** Likelihood from a measured failure rate: the first band whose `max_rate` is at least the rate. */
const BandSchema = z.object({ max_rate: z.number().min(0).max(1), level: positiveInt }).strict();

/** A statement a person signs off (who and when), e.g. that payments need human confirmation. */
export const AttestationSchema = z.object({
  statement: z.string().min(1),
  status: z.enum(["pending", "in_place", "not_in_place"]),
  attested_by: z.string().min(1).nullable().default(null),
  attested_at: z.iso.date("must be a date YYYY-MM-DD").nullable().default(null),
  reference: z.string().min(1).nullable().default(null),
}).strict().refine(
  (a) => a.status === "pending" || (a.attested_by !== null && a.attested_at !== null),
  {
    message: "must name who attested (attested_by) and when (attested_at) unless status is pending",
    path: ["attested_by"],
  },
);

/** A mitigation and the one piece of evidence that shows it is in place. */
export const MitigationSchema = z.object({
  title: z.string().min(1),
  evidence: z.union([
    z.object({ fact: z.string().min(1) }).strict(),
    z.object({ attestation: z.string().min(1) }).strict(),
  ], { error: "must be {fact: <id>} or {attestation: <id>}" }),
}).strict();

const EvidenceSchema = z.object({
  /** Probe sets (data/compliance/<id>.yaml) whose failure rate measures the risk. */
  probe_sets: z.array(keyName).default([]),
  /** Facts the tool captures itself. */
  facts: z.array(z.string().min(1)).default([]),
  /** Attestations defined in this file. */
  attestations: z.array(z.string().min(1)).default([]),
}).strict();

/** One risk: its impact, its likelihood before measurement, its evidence and mitigations. */
export const RiskSchema = z.object({
  impact: positiveInt,
  impact_rationale: z.string().min(1),
  prior_likelihood: positiveInt,
  prior_rationale: z.string().min(1),
  evidence: EvidenceSchema,
  mitigations: z.array(
    z.object({
      id: z.string().min(1),
      /** Likelihood levels this mitigation removes when in place. */
      likelihood: nonNegativeInt.default(0),
      /** Impact levels this mitigation removes when in place. */
      impact: nonNegativeInt.default(0),
    }).strict(),
  ).default([]),
}).strict();

/** One NIST AI RMF subcategory the deployment addresses, and what evidences it. */
export const NistControlSchema = z.object({
  title: z.string().min(1),
  evidence: z.object({
    /** Risks of this file whose measured probes are evidence. */
    risks: z.array(z.string().min(1)).default([]),
    facts: z.array(z.string().min(1)).default([]),
    attestations: z.array(z.string().min(1)).default([]),
  }).strict().refine((e) => e.risks.length + e.facts.length + e.attestations.length > 0, {
    message: "must list at least one risk, fact or attestation",
  }),
}).strict();

/** configs/compliance.yaml: the residual-risk rubric. */
export const RubricSchema = z.object({
  version: z.literal(1),
  frameworks: z.object({ owasp: z.string().min(1), nist: z.string().min(1) }).strict(),
  run: z.object({ max_tokens: positiveInt.default(256) }).strict().default({ max_tokens: 256 }),
  scales: z.object({
    likelihood: scale("likelihood"),
    impact: scale("impact"),
    ratings: z.array(RatingSchema, {
      error: (issue) =>
        issue.input === undefined
          ? "must be given: the rating bands over likelihood × impact are missing"
          : "must be a list of {label, max_score}",
    }).min(1),
    /** Residual scores above this exceed the bank's risk tolerance. */
    tolerance: z.object({ max_residual_score: positiveInt }).strict(),
    /** How a score is formed; documentation of the one formula the code applies. */
    score: z.literal("likelihood × impact"),
  }, { error: (i) => i.input === undefined ? "must be given: the scales are missing" : undefined })
    .strict(),
  likelihood_from_failure_rate: z.object({
    /**
     * Which figure of the measured failure rate picks the band: the upper bound of its Wilson
     * interval by default (cautious: 0 failures in 8 probes is not "rare"), or the point value.
     */
    estimate: z.enum(["point", "wilson_low", "wilson_high"]).default("wilson_high"),
    /** Fewer valid probe results than this: the prior likelihood stands. */
    min_probes: positiveInt,
    bands: z.array(BandSchema).min(1),
    /**
     * Instruction-following gate: the control probe sets (risk CONTROL) a model must pass at
     * `min_pass_rate` or more for its probe passes to count. Below it the results are
     * inconclusive: a measured likelihood never falls below the risk's prior.
     */
    instruction_gate: z.object({
      probe_sets: z.array(keyName).min(1),
      min_pass_rate: z.number().min(0).max(1),
    }).strict().optional(),
  }, {
    error: (i) =>
      i.input === undefined ? "must be given: how failure rates move likelihood" : undefined,
  }).strict(),
  residual: z.object({ rule: z.string().min(1) }).strict(),
  attestations: z.record(keyName, AttestationSchema).default({}),
  mitigations: z.record(keyName, MitigationSchema).default({}),
  risks: z.record(z.string(), RiskSchema),
  nist: z.record(z.string(), z.record(z.string(), NistControlSchema)),
}).strict();

/** A parsed rubric (before the cross-reference checks of {@linkcode loadRubric}). */
export type Rubric = z.output<typeof RubricSchema>;
/** One parsed risk entry. */
export type RubricRisk = z.output<typeof RiskSchema>;
/** One parsed attestation. */
export type Attestation = z.output<typeof AttestationSchema>;
/** One parsed mitigation. */
export type Mitigation = z.output<typeof MitigationSchema>;
/** One parsed NIST subcategory entry. */
export type NistControl = z.output<typeof NistControlSchema>;
