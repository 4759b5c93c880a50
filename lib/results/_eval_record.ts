import { z } from "zod";
import { ServerTimingsSchema } from "./_perf_record.ts";

const ms = z.number().nonnegative().nullable();
const count = z.number().int().nonnegative().nullable();
const hash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * Why a sample has no usable answer, one cause per sample:
 * - `no_label`: the answer names nothing of the task's answer space (label, letter, number,
 *   code, JSON object);
 * - `several_labels`: it names, or is consistent with, more than one (`neutral/positive`,
 *   `Not positive`, `A or B`, a list of labels);
 * - `truncated`: the model was cut by max_tokens (`finish_reason: length`) before an answer was
 *   complete (`{"label": "`);
 * - `empty`: no answer text (after reasoning blocks are removed);
 * - `error`: the request failed.
 */
export const INVALID_REASONS = [
  "no_label",
  "several_labels",
  "truncated",
  "empty",
  "error",
] as const;
/** One of {@linkcode INVALID_REASONS}. */
export const InvalidReasonSchema = z.enum(INVALID_REASONS);
/** Why a sample has no usable answer. */
export type InvalidReason = z.output<typeof InvalidReasonSchema>;

/**
 * One capability sample: one JSONL line per sample (DESIGN.md "Contracts"). A failed request is a
 * record with `error` set (counted in n and as incorrect), never a crash of the run.
 */
export const EvalRecordSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("eval"),
  run_id: z.string().min(1),
  config_hash: hash,
  task: z.string().min(1),
  model_key: z.string().min(1),
  model_id: z.string().min(1),
  backend: z.enum(["embedded", "lmstudio", "openai"]),
  format: z.enum(["GGUF", "MLX"]),
  quantization: z.string().min(1),
  /** Dataset id of the sample (e.g. `banking77/test/00042`, `HumanEval/7`, a realistic case id). */
  sample_id: z.string().min(1),
  /**
   * 0 for the first attempt at this sample; `--resume` retries a sample whose latest record is
   * an error and writes the retry as attempt 1, 2, ... (the failed record stays, superseded: the
   * summary counts only the latest attempt of each sample).
   */
  attempt: z.number().int().nonnegative().default(0),
  /** Subgroup the sample belongs to (MMLU subject, realistic category); null when none. */
  group: z.string().nullable(),
  /** System prompt sent, when any. */
  system_prompt: z.string().nullable(),
  /** The user message sent (few-shot examples included). */
  prompt: z.string(),
  /** The model's answer as received (its first `response_limits.max_text_chars` characters). */
  raw_output: z.string(),
  /** The answer was longer than `response_limits.max_text_chars` and `raw_output` holds its start. */
  output_truncated: z.boolean().default(false),
  /** Characters of answer text received, before any cut; null when unknown (older records). */
  output_chars: count.default(null),
  /** Reasoning text a reasoning model sent separately (empty when none). */
  reasoning: z.string(),
  /** The answer mapped to the task's answer space (label, letter, number, code); null if invalid. */
  prediction: z.string().nullable(),
  reference: z.string(),
  /** Whether the answer is right; null where the task scores otherwise (summarization). */
  correct: z.boolean().nullable(),
  /** The primary score in [0, 1] (1/0 for right/wrong); null when the sample errored. */
  score: z.number().nullable(),
  /** Secondary scores by name (ROUGE-1/2/L, embedding_cosine, check pass rates). */
  scores: z.record(z.string(), z.number().nullable()),
  /** False when the answer could not be mapped to the answer space (counts in invalid_rate). */
  valid: z.boolean(),
  /**
   * Why the answer is invalid or missing (null when valid); records written before this field
   * existed read as null, and the metrics derive the cause from their other fields.
   */
  invalid_reason: InvalidReasonSchema.nullable().default(null),
  /** Scorer evidence: match method and similarity, sandbox status, check results. */
  details: z.record(z.string(), z.unknown()),
  /** Request sent → response fully received (ms, monotonic clock). */
  latency_ms: ms,
  ttft_ms: ms,
  prompt_tokens: count,
  output_tokens: count,
  /** Prompt tokens the server served from its prompt cache (llama-server `timings.cache_n`). */
  cached_prompt_tokens: count,
  token_count_source: z.enum(["server", "tokenizer", "engine"]).nullable(),
  server_timings: ServerTimingsSchema.nullable(),
  finish_reason: z.string().nullable(),
  seed: z.number().int().nonnegative(),
  temperature: z.number().nonnegative(),
  max_tokens: z.number().int().positive(),
  error: z.string().nullable(),
  host: z.string(),
  git_commit: z.string().nullable(),
  timestamp: z.iso.datetime(),
});

/** A capability sample record as written. */
export type EvalRecord = z.output<typeof EvalRecordSchema>;

/**
 * A score with its 95 % interval: the contract shape of every summary score. `ci_method` names
 * how the interval was made (lib/stats `CiMethod`: wilson, bca_bootstrap, ...); summaries
 * written before it existed have none.
 */
export const ScoreEstimateSchema = z.object({
  value: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  ci_method: z.string().optional(),
});
/** A score with its 95 % interval. */
export type ScoreEstimate = z.output<typeof ScoreEstimateSchema>;

/** Macro-F1 with its interval and the labels it averages over. */
export const MacroF1EstimateSchema = ScoreEstimateSchema.extend({
  /** What the average runs over. */
  average: z.enum(["labels present in the references", "label set"]).optional(),
  /** Labels the value averages over. */
  labels_averaged: z.number().int().nonnegative().optional(),
  /** Labels of the task. */
  label_set_size: z.number().int().nonnegative().optional(),
});

const RateSchema = z.object({
  value: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  ci_method: z.string().optional(),
});

/** Per-class precision, recall and F1 (with a bootstrap interval for F1). */
export const ClassScoreSchema = z.object({
  label: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  f1_ci95: z.tuple([z.number(), z.number()]).nullable(),
  f1_ci_method: z.string().optional(),
  support: z.number().int().nonnegative(),
  predicted: z.number().int().nonnegative(),
});

/** The summary JSON of one capability run (`eval_<task>_<model>_<stamp>.json`). */
export const EvalSummarySchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("eval_summary"),
  run_id: z.string().min(1),
  config_hash: hash,
  task: z.string().min(1),
  model_key: z.string().min(1),
  model_id: z.string().min(1),
  backend: z.enum(["embedded", "lmstudio", "openai"]),
  format: z.enum(["GGUF", "MLX"]),
  quantization: z.string().min(1),
  /** Every planned sample has a record. */
  complete: z.boolean(),
  planned: z.number().int().nonnegative(),
  /** The JSONL file of the sample records, relative to the summary. */
  records_file: z.string(),
  /** Generation and task settings (shots, sample size, seed, constrained, ...). */
  settings: z.record(z.string(), z.unknown()),
  metrics: z.object({
    /** Samples recorded (errors included). */
    n: z.number().int().nonnegative(),
    /** Share of samples whose answer could not be mapped (errors excluded from the numerator). */
    invalid_rate: z.number(),
    /** Share of samples whose request failed. */
    error_rate: z.number(),
    invalid: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    /** Proportion correct with a Wilson interval (absent where the task has no right answer). */
    accuracy: ScoreEstimateSchema.optional(),
    /**
     * Macro-F1 over the labels present in the references with a seeded BCa bootstrap interval
     * (classification); older summaries averaged over the whole label set and say nothing.
     */
    macro_f1: MacroF1EstimateSchema.optional(),
    /**
     * Samples per cause of {@linkcode INVALID_REASONS}, with their share of n: the non-error
     * rates add up to invalid_rate, `error` to error_rate. Absent in summaries written before.
     */
    invalid_reasons: z.record(
      InvalidReasonSchema,
      z.object({ count: z.number().int().nonnegative(), rate: z.number() }),
    ).optional(),
    /** Answers cut by max_tokens (`finish_reason: length`), valid or not. */
    length_cut: z.number().int().nonnegative().optional(),
    /** Share of n cut by max_tokens. */
    length_cut_rate: z.number().optional(),
  }).catchall(z.unknown()),
  /** Latency per sample (ms): mean, median and p90 with bootstrap intervals (ci_method). */
  latency_ms: z.object({
    mean: RateSchema,
    median: RateSchema,
    p90: RateSchema,
  }),
  per_class: z.array(ClassScoreSchema).optional(),
  confusion: z.object({
    labels: z.array(z.string()),
    matrix: z.array(z.array(z.number().int().nonnegative())),
    invalid: z.array(z.number().int().nonnegative()),
  }).optional(),
  /** Accuracy per group (MMLU subject, realistic category). */
  groups: z.record(
    z.string(),
    z.object({ n: z.number().int().nonnegative(), accuracy: ScoreEstimateSchema.nullable() }),
  ).optional(),
  created_at: z.iso.datetime(),
});

/** A capability run summary. */
export type EvalSummary = z.output<typeof EvalSummarySchema>;
