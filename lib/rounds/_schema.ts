import { z } from "zod";

const positiveInt = z.number().int().positive();
const kvType = z.enum(["f16", "bf16", "f32", "q8_0", "q5_1", "q5_0", "q4_1", "q4_0", "iq4_nl"]);

/** Engine settings a round applies on top of the model's own configuration (llama.cpp vocabulary). */
export const RoundSettingsSchema = z.object({
  /** FlashAttention (`-fa on|off`). */
  flash_attention: z.boolean().optional(),
  /** KV cache key type (`--cache-type-k`). */
  kv_cache_type_k: kvType.optional(),
  /** KV cache value type (`--cache-type-v`; llama.cpp needs FlashAttention for a quantized V). */
  kv_cache_type_v: kvType.optional(),
  /** Logical batch size (`-b`; LM Studio's eval_batch_size). */
  batch_size: positiveInt.optional(),
  /** Context size in tokens (`-c`; LM Studio's context_length). */
  context_size: positiveInt.optional(),
  /** Generation threads (`-t`). */
  threads: positiveInt.optional(),
  /** Continuous batching: parallel sequences/slots driven by this many concurrent requests (`-np N -cb`). */
  parallel: positiveInt.optional(),
  /** Prompt-lookup decoding: predict the next tokens from n-grams of the prompt. */
  prompt_lookup: z.object({
    pattern_min: positiveInt.default(1),
    /** 0: no maximum. */
    pattern_max: z.number().int().nonnegative().default(0),
    predict_max: positiveInt.default(8),
  }).strict().optional(),
  /** Speculative decoding with a draft model (a key of configs/models.yaml, same vocabulary). */
  draft: z.object({
    model: z.string().min(1),
    max_tokens: positiveInt.default(16),
    /** Stop drafting below this token probability (llama.cpp `--draft-p-min`). */
    min_confidence: z.number().min(0).max(1).default(0.6),
  }).strict().optional(),
}).strict();

/** Where a round can be applied. `llama-server`: an OpenAI-compatible model whose config gives a server command. */
export const RoundBackendSchema = z.enum(["embedded", "lmstudio", "llama-server"]);

/** One optimization round. */
export const RoundSchema = z.object({
  description: z.string().min(1),
  /** The backends this round is meant for (checked against what each can apply). */
  backends: z.array(RoundBackendSchema).min(1),
  settings: RoundSettingsSchema.default({}),
}).strict();

/** configs/rounds.yaml */
export const RoundsFileSchema = z.object({
  /** Perf scenarios run in every round. */
  scenarios: z.array(z.string().min(1)).min(1),
  runs: positiveInt.default(10),
  warmup: z.number().int().nonnegative().default(2),
  /** A small, fixed eval subset run in every round (quality impact); null to skip. */
  quality: z.object({
    task: z.string().min(1),
    sample_size: positiveInt,
    seed: z.number().int().nonnegative().default(42),
  }).strict().nullable().default(null),
  rounds: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "must be lower-case letters, digits, _ . -"),
    RoundSchema,
  )
    .refine((r) => "baseline" in r, {
      message: "must define a 'baseline' round (every change is measured against it)",
    }),
}).strict();

/** Parsed round settings. */
export type RoundSettings = z.output<typeof RoundSettingsSchema>;
/** A parsed round. */
export type Round = z.output<typeof RoundSchema>;
/** Where rounds are applied. */
export type RoundBackend = z.output<typeof RoundBackendSchema>;
/** Parsed rounds file. */
export type RoundsFile = z.output<typeof RoundsFileSchema>;
