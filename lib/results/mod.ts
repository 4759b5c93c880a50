/**
 * Results: the zod record schemas, JSONL files appended and flushed per record, the seed's file
 * names, and run manifests (`experiment_config_<hash>.json`) that make `--resume` possible.
 * @module
 */
export { latestAttemptsBy, nextAttempts } from "./_attempts.ts";
export {
  latestAttempts,
  type PerfRecord,
  PerfRecordSchema,
  type ServerTimings,
  ServerTimingsSchema,
} from "./_perf_record.ts";
export {
  type JsonlContent,
  type JsonlWarning,
  JsonlWriter,
  parseJsonl,
  readJsonl,
  type ReadJsonlOptions,
} from "./_jsonl.ts";
export { type FastCheck, fastCheck, fastParse } from "./_fast_check.ts";
export { fileSafe, fileStamp, manifestFileName, perfFileName } from "./_names.ts";
export {
  type ActiveRun,
  beginRun,
  type BeginRunOptions,
  findResumableRun,
  findRunToResume,
  type FindRunToResumeOptions,
  listManifests,
  type Manifest,
  ManifestError,
  ManifestSchema,
  readManifest,
  type RunEntry,
  RunEntrySchema,
  stopRunWithError,
  writeManifest,
} from "./_manifest.ts";
export {
  ensureResultsDir,
  osReason,
  ResultsWriteError,
  withFolderLock,
  writeFileAtomic,
} from "./_write.ts";
export * from "./_eval_record.ts";
export {
  complianceFileName,
  type ComplianceRecord,
  ComplianceRecordSchema,
} from "./_compliance_record.ts";
export { captureRunEnvironment, type CaptureRunEnvironmentOptions } from "./_run_environment.ts";
export { recordEndpoints } from "./_egress.ts";
