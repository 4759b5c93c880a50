/**
 * The summaries `deno task rounds` writes beside its records (`rounds_<model>_<stamp>.json`,
 * `sweep_<stamp>.json`), read leniently: the fields the report shows are checked, anything a newer
 * writer adds is kept, a file that does not fit is skipped with a warning.
 * @module
 */
import { z } from "zod";

const num = z.number().nullable();
const ci = z.tuple([z.number(), z.number()]).nullable();
const Mean = z.object({ value: num, ci95: ci, n: z.number().int().nonnegative() }).loose();
const Difference = z.object({
  value: num,
  ci95: ci,
  significant: z.boolean(),
  relative: num.optional().default(null),
  ci_method: z.string().optional(),
}).loose();

/** `rounds_<model>_<stamp>.json` as the report reads it. */
export const RoundsSummaryFileSchema = z.object({
  kind: z.literal("rounds_summary"),
  run_id: z.string().min(1),
  config_hash: z.string(),
  model_key: z.string().min(1),
  model_id: z.string(),
  backend: z.string(),
  format: z.string(),
  quantization: z.string(),
  rounds: z.array(
    z.object({
      id: z.string(),
      description: z.string().default(""),
      status: z.string(),
      reason: z.string().nullable().default(null),
    }).loose(),
  ),
  performance: z.array(
    z.object({
      round: z.string(),
      scenario: z.string(),
      n: z.number().int().nonnegative(),
      success_rate: num,
      ttft_ms: Mean,
      output_tokens_per_s: Mean,
      peak_rss_bytes: Mean,
      draft_acceptance_rate: num.optional().default(null),
      vs_baseline: z.object({
        ttft_ms: Difference,
        output_tokens_per_s: Difference,
        peak_rss_bytes: Difference,
      }).loose().nullable(),
    }).loose(),
  ),
  quality: z.array(
    z.object({
      round: z.string(),
      task: z.string(),
      accuracy: Mean,
      vs_baseline: Difference.nullable(),
    }).loose(),
  ),
}).loose();

/** A rounds summary file. */
export type RoundsSummaryFile = z.output<typeof RoundsSummaryFileSchema>;

/** `sweep_<stamp>.json` as the report reads it. */
export const SweepFileSchema = z.object({
  kind: z.literal("sweep"),
  created_at: z.string(),
  rows: z.array(
    z.object({
      model_key: z.string(),
      model_id: z.string(),
      format: z.string(),
      quantization: z.string(),
      parameters: num,
      bits_per_weight: num,
      file_size_bytes: num,
      scenario: z.string(),
      ttft_ms: Mean,
      output_tokens_per_s: Mean,
      peak_rss_bytes: Mean,
      quality: z.object({
        task: z.string(),
        value: num,
        ci95: ci,
        n: z.number().int().nonnegative(),
      }).loose().nullable(),
      run_id: z.string(),
      config_hash: z.string(),
    }).loose(),
  ),
}).loose();

/** A sweep file. */
export type SweepFile = z.output<typeof SweepFileSchema>;
