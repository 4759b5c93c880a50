import { z } from "zod";

/**
 * The import schema for measurements made by other runners (e.g. a phone running llama.cpp
 * through fllama): one JSON object per line, one line per request. Times in ms from the
 * runner's monotonic clock: TTFT = request → first content token, E2E = request → last content
 * token (DESIGN.md's definitions). Imported lines become perf records with `backend: "external"`
 * and `runner` set, so they join the same tables and figures.
 */
export const ExternalPerfSchema = z.object({
  /** Who measured, e.g. `fllama`. */
  runner: z.string().min(1),
  /** The machine, e.g. `iPhone 15 Pro (A17 Pro, 8 GB)`. */
  device: z.string().min(1),
  model_id: z.string().min(1),
  format: z.enum(["GGUF", "MLX"]).default("GGUF"),
  quantization: z.string().min(1),
  /** One of this project's scenarios, ideally with the same prompt (data/prompts). */
  scenario: z.string().min(1),
  /** Optimization round, when the runner ran the same rounds (seed 004). */
  round_id: z.string().nullable().default(null),
  settings: z.record(z.string(), z.unknown()).nullable().default(null),
  repetition: z.number().int().nonnegative(),
  warmup: z.boolean().default(false),
  ttft_ms: z.number().nonnegative().nullable(),
  e2e_ms: z.number().nonnegative().nullable(),
  prompt_tokens: z.number().int().nonnegative().nullable().default(null),
  output_tokens: z.number().int().nonnegative().nullable(),
  peak_rss_bytes: z.number().int().nonnegative().nullable().default(null),
  max_tokens: z.number().int().positive().default(256),
  seed: z.number().int().nonnegative().default(42),
  temperature: z.number().nonnegative().default(0),
  error: z.string().nullable().default(null),
  timestamp: z.iso.datetime(),
}).strict();

/** One imported measurement line. */
export type ExternalPerf = z.output<typeof ExternalPerfSchema>;
