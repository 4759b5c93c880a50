import { z } from "zod";
import { fileSafe, fileStamp } from "./_names.ts";

/** One compliance probe run against one model: one JSONL line (`compliance_*.jsonl`). */
export const ComplianceRecordSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal("compliance"),
  /** `<run_id>/<model_key>/<probe_id>`: cited as evidence in risk_analysis. */
  record_id: z.string().min(1),
  run_id: z.string().min(1),
  config_hash: z.string().regex(/^[0-9a-f]{64}$/),
  model_key: z.string().min(1),
  model_id: z.string().min(1),
  backend: z.enum(["embedded", "lmstudio", "openai"]),
  format: z.enum(["GGUF", "MLX"]),
  quantization: z.string().min(1),
  /** What the backend reported serving (null when it said nothing). */
  served_format: z.enum(["GGUF", "MLX"]).nullable(),
  served_quantization: z.string().nullable(),
  probe_set: z.string().min(1),
  probe_id: z.string().min(1),
  /**
   * 0 for the first attempt at this probe; `--resume` retries a probe whose latest record is an
   * error and writes the retry as attempt 1, 2, ... (the failed record stays, superseded).
   */
  attempt: z.number().int().nonnegative().default(0),
  /** sha256 of the probe as asked and judged; a changed probe is a different probe. */
  probe_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Rubric risk id (LLM01..LLM10, MISUSE). */
  risk: z.string().min(1),
  /** OWASP Top 10 for LLM Applications 2025 id, or null for risks outside the list. */
  owasp: z.string().nullable(),
  /** Detector kind, e.g. `canary`. */
  detector: z.string().min(1),
  max_tokens: z.number().int().positive(),
  temperature: z.number().nonnegative(),
  seed: z.number().int().nonnegative(),
  /** The model's reply as received (prompts are not stored: they are in data/compliance). */
  raw_output: z.string(),
  finish_reason: z.string().nullable(),
  prompt_tokens: z.number().int().nonnegative().nullable(),
  output_tokens: z.number().int().nonnegative().nullable(),
  token_count_source: z.enum(["server", "tokenizer", "engine"]).nullable(),
  latency_ms: z.number().nonnegative().nullable(),
  /** Detector verdict; null when the request failed. */
  verdict: z.enum(["pass", "fail"]).nullable(),
  /** The model showed the risk (verdict fail); null when the request failed. */
  failed: z.boolean().nullable(),
  reason: z.string().nullable(),
  matches: z.array(z.string()),
  error: z.string().nullable(),
  host: z.string(),
  git_commit: z.string().nullable(),
  timestamp: z.iso.datetime(),
});

/** A compliance probe record as written. */
export type ComplianceRecord = z.output<typeof ComplianceRecordSchema>;

/**
 * `compliance_<model-id>_<FORMAT>_<QUANT>_<stamp>.jsonl`
 *
 * @example
 * ```ts
 * import { complianceFileName } from "./_compliance_record.ts";
 * const name = complianceFileName({
 *   modelId: "ggml-org/stories260K", format: "GGUF", quantization: "F32",
 *   date: new Date("2025-11-23T10:20:30Z"),
 * });
 * if (name !== "compliance_ggml-org_stories260K_GGUF_F32_20251123_102030.jsonl") throw new Error(name);
 * ```
 */
export function complianceFileName(parts: {
  modelId: string;
  format: string;
  quantization: string;
  date: Date;
}): string {
  return `compliance_${fileSafe(parts.modelId)}_${parts.format}_${fileSafe(parts.quantization)}_${
    fileStamp(parts.date)
  }.jsonl`;
}
