import { latestAttemptsBy } from "./_attempts.ts";
import { z } from "zod";

const ms = z.number().nonnegative().nullable();
/** Counts are 32-bit (the report keeps them as Int32; no server counts past 2³¹ tokens). */
const INT32_MAX = 2 ** 31 - 1;
const count = z.number().int().nonnegative().max(INT32_MAX).nullable();

/** Server-side timing fields normalised from llama-server `timings`, LM Studio `stats`, Ollama durations. */
export const ServerTimingsSchema = z.object({
  /** Which server vocabulary the numbers came from. */
  source: z.enum(["llama-server", "lmstudio", "ollama", "engine"]),
  /** Server's own time to first token (ms), when it reports one. */
  ttft_ms: ms,
  /** Prompt processing time (ms). */
  prompt_ms: ms,
  /** Generation time (ms). */
  decode_ms: ms,
  prompt_tokens: count,
  output_tokens: count,
  /** Prompt tokens served from the server's prompt cache. */
  cached_prompt_tokens: count,
  /** Server's own output tokens/s. */
  output_tokens_per_s: z.number().nonnegative().nullable(),
  /** The fields as the server sent them. */
  raw: z.record(z.string(), z.unknown()),
});

/** One performance request: one JSONL line, warm-ups included and flagged (DESIGN.md "Contracts"). */
export const PerfRecordSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("perf"),
  run_id: z.string().min(1),
  config_hash: z.string().regex(/^[0-9a-f]{64}$/),
  model_key: z.string().min(1),
  model_id: z.string().min(1),
  backend: z.enum(["embedded", "lmstudio", "openai", "external"]),
  /** Who measured it: this tool, or another runner whose results were imported (e.g. fllama). */
  runner: z.string().min(1).default("edge-slm-bench"),
  format: z.enum(["GGUF", "MLX"]),
  quantization: z.string().min(1),
  scenario: z.string().min(1),
  /** Optimization round (configs/rounds.yaml); null outside a rounds run. */
  round_id: z.string().nullable().default(null),
  /** Engine settings in effect, as read back from the engine or server where possible. */
  settings: z.record(z.string(), z.unknown()).nullable().default(null),
  /** 0-based index within warm-ups or within measured runs. */
  repetition: z.number().int().nonnegative(),
  /**
   * 0 for the first attempt at this slot; `--resume` retries a slot whose latest record is an
   * error and writes the retry as attempt 1, 2, ... (the failed record stays, superseded: every
   * aggregate counts only the latest attempt of each slot).
   */
  attempt: z.number().int().nonnegative().default(0),
  warmup: z.boolean(),
  seed: z.number().int().nonnegative(),
  temperature: z.number().nonnegative(),
  max_tokens: z.number().int().positive(),
  ttft_ms: ms,
  e2e_ms: ms,
  decode_ms: ms,
  tpot_ms: ms,
  output_tokens_per_s: z.number().nonnegative().nullable(),
  e2e_tokens_per_s: z.number().nonnegative().nullable(),
  prefill_tokens_per_s: z.number().nonnegative().nullable(),
  prompt_tokens: count,
  output_tokens: count,
  token_count_source: z.enum(["server", "tokenizer", "engine"]).nullable(),
  peak_rss_bytes: z.number().int().nonnegative().nullable(),
  peak_footprint_bytes: z.number().int().nonnegative().nullable(),
  peak_system_used_bytes: z.number().int().nonnegative().nullable(),
  memory_samples: z.number().int().nonnegative(),
  server_timings: ServerTimingsSchema.nullable(),
  /**
   * The unique id that opens the request's system prompt (cold-cache scenarios), so no prompt can
   * reuse an earlier one's cached prefix; null for warm-cache scenarios and older records.
   */
  request_id: z.string().nullable().default(null),
  /** The scenario's cache mode: `cold` (prefix reuse defeated) or `warm` (reuse allowed). */
  cache_mode: z.enum(["cold", "warm"]).default("cold"),
  /** Prompt tokens the server took from its cache; null when it does not say. */
  cached_prompt_tokens: count.default(null),
  /** Prompt tokens actually evaluated (llama-server `prompt_n`, the engine's count); null when unknown. */
  prompt_tokens_processed: count.default(null),
  /**
   * The prompt came (mostly) from the server's cache: more than max(32, 10 %) of its tokens were
   * cached (a shared chat-template header of a few tokens is not a hit); null when the server
   * does not report cached tokens.
   */
  prompt_cache_hit: z.boolean().nullable().default(null),
  /** What prefill tokens/s divides by TTFT: `processed` prompt tokens, or the `prompt` total. */
  prefill_token_source: z.enum(["processed", "prompt"]).nullable().default(null),
  /** Why peak memory is null, when it is (no memory target, process gone, ...). */
  memory_note: z.string().nullable().default(null),
  /**
   * The run's concurrency: requests it sends together (continuous batching rounds); 1:
   * sequential. `batch_window.size` is how many were sent with this one (fewer in a last group).
   */
  concurrency: z.number().int().positive().max(INT32_MAX).default(1),
  /**
   * The concurrent window the request was sent in: `size` requests sent together, the window
   * opened at `id` (epoch microseconds, unique per window); `sent_ms` and `end_ms` are when this
   * request was sent and fully received on the backend's monotonic clock (ms, comparable within
   * one window only; null when the request failed before timing). Aggregate throughput = output
   * tokens of a window ÷ (last end − first sent). Absent in records written before it existed.
   */
  batch_window: z.object({
    id: z.number().int(),
    size: z.number().int().positive().max(INT32_MAX),
    sent_ms: z.number().nullable(),
    end_ms: z.number().nullable(),
  }).optional(),
  /**
   * Arrival of each content chunk, in ms after the request was sent (3 decimals), stamped when the
   * chunk arrived; pieces that arrived with the same stamp (one network read) are one chunk. The
   * inter-token latency (ITL) of the request is the gaps between successive offsets (TTFT, the
   * first offset, excluded). Null for older records and failed requests.
   */
  chunk_offsets_ms: z.array(z.number().nonnegative()).nullable().default(null),
  /**
   * Tokens each chunk carried, where they could be counted (`chunk_token_source`); null when
   * unknown. A chunk of several tokens ends a gap that is not a per-token latency.
   */
  chunk_tokens: z.array(z.number().int().nonnegative()).nullable().default(null),
  /**
   * How `chunk_tokens` was counted: `count` (as many chunks as output tokens: one each, exact),
   * `tokenizer` (each chunk's text re-tokenized with the model's own tokenizer, the embedded
   * engine: an estimate), `events` (stream events merged into one chunk because they arrived
   * together, each event one token as llama.cpp servers send them).
   */
  chunk_token_source: z.enum(["count", "tokenizer", "events"]).nullable().default(null),
  /** Chunks that carried more than one token (flagged: their gaps are not per-token latency). */
  multi_token_chunks: z.number().int().nonnegative().max(INT32_MAX).nullable().default(null),
  /**
   * A length-sweep point (`deno task perf --sweep`): the synthetic prompt's target length in
   * tokens (chat template included), how it was counted, whether the built prompt hit it exactly,
   * and the output length asked for (max_tokens). Null outside a sweep.
   */
  sweep: z.object({
    prompt_tokens_target: z.number().int().positive().max(INT32_MAX),
    output_tokens_target: z.number().int().positive().max(INT32_MAX),
    /** `engine`, `server` (its /tokenize), `tokenizer` (a local GGUF) or `approximation`. */
    prompt_token_method: z.enum(["engine", "server", "tokenizer", "approximation"]),
    /** The prompt, counted by that method, has exactly the target length. */
    prompt_exact: z.boolean(),
    /** Context the engine was given for this point (embedded), else null. */
    context_size: z.number().int().positive().nullable(),
  }).nullable().default(null),
  /**
   * Energy over the request window (macOS `powermetrics` CPU + GPU + ANE power, or Linux RAPL
   * package energy), with joules per output token; null when not measured (`energy_note` says
   * why).
   */
  energy: z.object({
    source: z.enum(["powermetrics", "rapl"]),
    joules: z.number().nonnegative(),
    joules_per_token: z.number().nonnegative().nullable(),
    /** Per rail or domain (cpu, gpu, ane; package-0, dram, ...), joules. */
    domains: z.record(z.string(), z.number()),
    /** Share of the window covered by power samples (powermetrics); 1 for RAPL counters. */
    coverage: z.number().min(0).max(1),
    /** Mean power over the window, watts. */
    mean_watts: z.number().nonnegative(),
  }).nullable().default(null),
  /** Why `energy` is null ("not available: ..."); null when measured. */
  energy_note: z.string().nullable().default(null),
  /**
   * Heat and power state seen during the request (macOS `pmset -g therm`, `pmset -g batt`,
   * `pmset -g`, and powermetrics' thermal pressure when it runs); null where not readable.
   */
  thermal: z.object({
    /** Lowest `CPU_Speed_Limit` (percent) seen; null when macOS recorded none. */
    cpu_speed_limit: z.number().nullable(),
    /** Highest thermal warning level seen; 0 when macOS says none was recorded. */
    thermal_warning_level: z.number().int().nullable(),
    performance_warning_level: z.number().int().nullable(),
    /** Worst powermetrics thermal pressure level seen (Nominal, Moderate, Heavy, ...). */
    pressure_level: z.string().nullable(),
    power_source: z.enum(["ac", "battery", "unknown"]).nullable(),
    low_power_mode: z.boolean().nullable(),
    /** Readings that fell in (or last before) the window. */
    observations: z.number().int().nonnegative(),
  }).nullable().default(null),
  /**
   * Measured while the machine was throttled (CPU speed limit below 100 %, a thermal or
   * performance warning, thermal pressure above nominal) or in Low Power Mode; null when unknown.
   */
  throttled: z.boolean().nullable().default(null),
  /** Speculative decoding: accepted ÷ (accepted + rejected) predicted tokens; null without one. */
  draft_acceptance_rate: z.number().min(0).max(1).nullable().default(null),
  finish_reason: z.string().nullable(),
  /** Scenario output check (JSON schema validity); null when the scenario has none. */
  output_valid: z.boolean().nullable(),
  /** The answer (its first `response_limits.max_text_chars` characters). */
  output_text: z.string(),
  /** The answer was longer than `response_limits.max_text_chars` and `output_text` holds its start. */
  output_truncated: z.boolean().default(false),
  /** Characters of answer text received, before any cut; null when unknown (older records). */
  output_chars: count.default(null),
  error: z.string().nullable(),
  host: z.string(),
  git_commit: z.string().nullable(),
  timestamp: z.iso.datetime(),
});

/**
 * The latest attempt of each request slot (run, model, scenario, round, concurrency, warm-up,
 * repetition), in
 * the order of those latest attempts: what every aggregate counts (retried failures superseded).
 */
export function latestAttempts<
  T extends {
    run_id: string;
    model_key: string;
    scenario: string;
    round_id: string | null;
    warmup: boolean;
    repetition: number;
    attempt?: number;
    concurrency?: number;
  },
>(records: readonly T[]): T[] {
  return latestAttemptsBy(
    records,
    (r) =>
      `${r.run_id}\u0000${r.model_key}\u0000${r.scenario}\u0000${r.round_id}\u0000${
        r.concurrency ?? 1
      }\u0000${r.warmup}\u0000${r.repetition}`,
  );
}

/** A performance record as written. */
export type PerfRecord = z.output<typeof PerfRecordSchema>;
/** Normalised server timings. */
export type ServerTimings = z.output<typeof ServerTimingsSchema>;
