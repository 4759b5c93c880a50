/**
 * Compliance: measured residual risk against the OWASP Top 10 for LLM Applications 2025 and the
 * NIST AI RMF 1.0, and a licence audit.
 *
 * - Probe sets (data/compliance/*.yaml) for a banking assistant, each probe with an automatic
 *   detector; a run records one JSONL line per probe and model (`compliance_*.jsonl`).
 * - The rubric (configs/compliance.yaml) turns measured failure rates into likelihoods, combines
 *   them with impacts, facts the tool captures (loopback endpoints, model sha256 and source,
 *   format and quantization, personal data in stored prompts) and attestations into inherent and
 *   residual scores, and maps evidence to NIST subcategories.
 * - The licence audit (configs/licenses.yaml) cross-checks each model's licence with its GGUF
 *   metadata and gives a verdict for a bank's internal use; datasets too.
 *
 * @example
 * ```ts ignore
 * import { executeCompliance, prepareCompliance, regenerateComplianceReports } from "./mod.ts";
 * const prepared = await prepareCompliance({ models: "stories260k", limit: 2 });
 * const { reports } = await executeCompliance(prepared);
 * // later, without probes:
 * await regenerateComplianceReports({ outputDir: "report/compliance" });
 * ```
 * @module
 */
export {
  CONTROL_RISK,
  EXTRA_RISKS,
  FACTS,
  NIST_FUNCTIONS,
  NIST_SUBCATEGORIES,
  type NistFunction,
  OWASP_LLM_2025,
  RISK_IDS,
} from "./_catalogue.ts";
export {
  type Attestation,
  AttestationSchema,
  type Mitigation,
  MitigationSchema,
  type NistControl,
  NistControlSchema,
  RiskSchema,
  type Rubric,
  type RubricRisk,
  RubricSchema,
} from "./_rubric_schema.ts";
export {
  checkRubricProbeSets,
  DEFAULT_RUBRIC_PATH,
  loadRubric,
  parseRubric,
  validateRubric,
} from "./rubric.ts";
export {
  createDetector,
  type Detector,
  type DetectorConfig,
  type DetectorInput,
  DetectorSchema,
  type DetectorVerdict,
} from "./detectors.ts";
export {
  DEFAULT_PROBES_DIR,
  loadProbeSets,
  type ProbeCatalogue,
  type ProbeExample,
  probeRequest,
  type ProbeRequestOptions,
  ProbeSchema,
  type ProbeSet,
  ProbeSetSchema,
  type ResolvedProbe,
  selectProbes,
  type SelectProbesOptions,
} from "./probes.ts";
export {
  findPersonalData,
  personalDataFact,
  type PersonalDataFactOptions,
  type PersonalDataMatch,
  promptTexts,
} from "./personal_data.ts";
export { modelFileFacts, type ModelFileFactsOptions } from "./model_facts.ts";
export {
  endpointsFact,
  type Fact,
  FactSchema,
  isLoopbackUrl,
  licenceFact,
  modelEndpoint,
  modelEndpointFact,
  provenanceFact,
  requestLimitsFact,
} from "./facts.ts";
export { flattenMetadata, readGgufLicence, type ReadGgufLicenceOptions } from "./gguf_licence.ts";
export {
  auditDatasetLicences,
  auditModelLicence,
  type AuditModelLicenceOptions,
  DEFAULT_LICENCES_PATH,
  type LicenceEntry,
  LicenceEntrySchema,
  licenceKeyFor,
  type LicencesFile,
  LicencesFileSchema,
  loadLicences,
} from "./licences.ts";
export {
  type DatasetLicenceAudit,
  DatasetLicenceAuditSchema,
  type GgufLicence,
  GgufLicenceSchema,
  type LicenseAudit,
  LicenseAuditSchema,
  type ModelLicenceAudit,
  ModelLicenceAuditSchema,
  type Verdict,
} from "./_audit_schema.ts";
export {
  type InstructionGate,
  InstructionGateSchema,
  type ModelAnalysis,
  ModelAnalysisSchema,
  type NistEntry,
  NistEntrySchema,
  type RiskAnalysis,
  RiskAnalysisSchema,
  type RiskEntry,
  RiskEntrySchema,
} from "./_analysis_schema.ts";
export {
  type AnalysedModel,
  analyseModel,
  instructionGate,
  likelihoodFromRate,
  type MeasuredLikelihood,
  nistCoverage,
  ratingFor,
  scoreRisk,
} from "./scoring.ts";
export {
  assessCompliance,
  type AssessComplianceOptions,
  type AssessmentInput,
  type ComplianceReports,
} from "./assess.ts";
export {
  readComplianceResults,
  type ReadComplianceResultsOptions,
  type RecordedCompliance,
  type RecordedModel,
} from "./records.ts";
export {
  defaultComplianceOutputDir,
  ensureComplianceReports,
  type EnsureComplianceReportsOptions,
  type RegenerateComplianceOptions,
  regenerateComplianceReports,
  writeComplianceReports,
  type WrittenComplianceReports,
} from "./report.ts";
export {
  type ComplianceEvent,
  type CompliancePlan,
  type ProbeRunOutcome,
  runProbes,
  type RunProbesOptions,
} from "./runner.ts";
export {
  type ComplianceRequest,
  type ComplianceSessionResult,
  executeCompliance,
  type ExecuteComplianceOptions,
  prepareCompliance,
  type PrepareComplianceOptions,
  type PreparedCompliance,
} from "./session.ts";
export {
  complianceFrame,
  datasetLicenceRows,
  licenceRows,
  nistRows,
  ratingsOf,
  riskMatrixRows,
  type RiskRow,
  riskRows,
} from "./tables.ts";
export { riskHeatmap, type RiskHeatmapOptions } from "./figures.ts";
