/**
 * Datasets for the capability evaluations: a manifest of pinned sources (data/datasets/
 * manifest.yaml), file resolution (explicit folder, EDGE_BENCH_DATA_DIR, the shipped
 * data/datasets, user cache, verified download), typed zod-validated loaders, and seeded
 * sampling.
 *
 * @module
 */
export { DatasetError } from "./errors.ts";
export {
  DatasetDeriveSchema,
  type DatasetEntry,
  DatasetEntrySchema,
  type DatasetFile,
  DatasetFileSchema,
  type DatasetManifest,
  DatasetManifestSchema,
  DEFAULT_MANIFEST_URL,
  findDatasetFile,
  loadDatasetManifest,
  type LoadDatasetManifestOptions,
  parseDatasetManifest,
} from "./manifest.ts";
export {
  DATA_DIR_ENV,
  type DatasetDownloadProgress,
  type DatasetFileOrigin,
  defaultDatasetCacheDir,
  resolveDatasetFile,
  type ResolveDatasetOptions,
  type ResolvedDatasetFile,
  SHIPPED_DATA_DIR,
} from "./resolve.ts";
export {
  BANKING77_SPLITS,
  type Banking77Options,
  type Banking77Sample,
  Banking77SampleSchema,
  type Banking77Split,
  loadBanking77,
  loadBanking77Labels,
} from "./banking77.ts";
export {
  FINANCIAL_PHRASEBANK_AGREEMENTS,
  FINANCIAL_PHRASEBANK_LABELS,
  type FinancialPhraseBankAgreement,
  type FinancialPhraseBankLabel,
  type FinancialPhraseBankOptions,
  type FinancialPhraseBankSample,
  FinancialPhraseBankSampleSchema,
  loadFinancialPhraseBank,
} from "./financial_phrasebank.ts";
export {
  type HumanEvalOptions,
  type HumanEvalSample,
  HumanEvalSampleSchema,
  loadHumanEval,
} from "./humaneval.ts";
export {
  extractGsm8kFinalAnswer,
  type Gsm8kOptions,
  type Gsm8kSample,
  Gsm8kSampleSchema,
  loadGsm8k,
} from "./gsm8k.ts";
export {
  loadMmlu,
  MMLU_ANSWERS,
  MMLU_SPLITS,
  MMLU_SUBJECTS,
  type MmluOptions,
  type MmluSample,
  MmluSampleSchema,
  type MmluSplit,
  type MmluSubject,
} from "./mmlu.ts";
export {
  type CnnDailymailOptions,
  type CnnDailymailSample,
  CnnDailymailSampleSchema,
  loadCnnDailymail,
} from "./cnn_dailymail.ts";
export {
  compareSampleIds,
  seededSample,
  type SeededSampleOptions,
  stratifiedSample,
  type StratifiedSampleOptions,
} from "./sampling.ts";
