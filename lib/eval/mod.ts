/**
 * Capability evaluations: tasks (dataset + prompt template + generation settings + scorers,
 * registered in configs/tasks.yaml), scorers as factories of async functions, metrics with
 * confidence intervals, a resumable runner with bounded concurrency, and figure builders.
 * @module
 */
export {
  Banking77TaskSchema,
  CodingTaskSchema,
  Gsm8kTaskSchema,
  loadTasksConfig,
  MmluTaskSchema,
  PhraseBankTaskSchema,
  RealisticTaskSchema,
  type ResolvedTask,
  resolveTask,
  SummarizationTaskSchema,
  type TaskConfig,
  TaskConfigSchema,
  type TaskKind,
  type TaskOverrides,
  TasksFileSchema,
} from "./_config.ts";
export {
  cleanAnswer,
  diceSimilarity,
  type LabelInvalidReason,
  type LabelMatch,
  type LabelMatchMethod,
  matchLabel,
  type MatchLabelOptions,
  normalizeLabel,
} from "./_labels.ts";
export {
  lcsLength,
  rouge,
  rougeL,
  rougeN,
  type RougeScore,
  type RougeScores,
  rougeTokens,
} from "./_rouge.ts";
export {
  type ChoiceMatch,
  extractChoiceLetter,
  extractFinalNumber,
  type ExtractFinalNumberOptions,
  type ExtractInvalidReason,
  matchChoice,
  type MatchChoiceOptions,
  numbersEqual,
} from "./_extract.ts";
export {
  answerBody,
  cutContinuation,
  echoesPrompt,
  stripFences,
  stripReasoning,
} from "./_answer_text.ts";
export { type InvalidFacts, invalidReason } from "./_invalid.ts";
export {
  type CaseCheck,
  type CheckResult,
  extractJsonObject,
  isRefusal,
  type RealisticCase,
  type RealisticCaseFile,
  RealisticCaseFileSchema,
  RealisticCaseSchema,
  REFUSAL_PATTERNS,
  runCheck,
} from "./_realistic.ts";
export {
  type EvalSample,
  type EvalTask,
  renderTemplate,
  type Score,
  type ScoreContext,
  type ScoreInvalidReason,
  type Scorer,
} from "./task.ts";
export {
  checksScorer,
  type ChoiceSampleData,
  choiceScorer,
  combineScorers,
  cosineSimilarity,
  type Embedder,
  embeddingScorer,
  labelScorer,
  type LabelScorerOptions,
  numericScorer,
  type RealisticSampleData,
  rougeScorer,
} from "./scorers.ts";
export { buildCoding, codeScorer, type CodeScorerOptions } from "./_coding_task.ts";
export { classificationMaxTokens, labelEnumSchema } from "./_classification_tasks.ts";
export { loadRealisticCases, truncateText } from "./_text_tasks.ts";
export { createLlamaEmbedder, type LlamaEmbedderOptions } from "./_embedding.ts";
export { buildTask, type BuildTaskOptions } from "./build.ts";
export {
  type EvalMetrics,
  evalMetrics,
  type EvalMetricsOptions,
  latestPerSample,
  type MetricsTaskInfo,
} from "./metrics.ts";
export {
  type EvalEvent,
  type EvalPlan,
  type EvalRunOutcome,
  readRunRecords,
  runEval,
  type RunEvalOptions,
} from "./runner.ts";
export { evalFileStem } from "./_names.ts";
export { resolveModelKey } from "./_model_key.ts";
export {
  type EvalRequest,
  type EvalRunConfig,
  type EvalSessionResult,
  executeEval,
  type ExecuteEvalOptions,
  type PreparedEval,
  prepareEval,
  type PrepareEvalOptions,
} from "./session.ts";
export {
  confusionHeatmap,
  type ErrorExample,
  type EvalFigureOptions,
  evalFrame,
  type EvalRow,
  evalRows,
  exampleErrors,
  type ExampleErrorsOptions,
  perClassF1Figure,
} from "./figures.ts";
export {
  findLmEval,
  HarnessError,
  harnessRecords,
  type HarnessResult,
  type HarnessSample,
  harnessTaskYaml,
  LM_EVAL_INSTALL,
  LM_EVAL_VERSION,
  runHarness,
  type RunHarnessOptions,
} from "./harness.ts";
