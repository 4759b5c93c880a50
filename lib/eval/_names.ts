import { fileSafe, fileStamp } from "../results/mod.ts";

/**
 * The seed's capability file names, without extension (`.jsonl` for the sample records, `.json`
 * for the summary): `eval_<task>_<model-id>_<FORMAT>_<QUANT>_<stamp>`, and for the realistic
 * task `realistic_<model-id>_<FORMAT>_<QUANT>_<stamp>`.
 *
 * @example
 * ```ts
 * import { evalFileStem } from "./_names.ts";
 * const stem = evalFileStem({
 *   task: "banking77", kind: "banking77", modelId: "google/gemma-3n-e4b", format: "GGUF",
 *   quantization: "Q4_K_M", date: new Date("2025-11-23T10:20:30Z"),
 * });
 * if (stem !== "eval_banking77_google_gemma-3n-e4b_GGUF_Q4_K_M_20251123_102030") throw new Error(stem);
 * ```
 */
export function evalFileStem(parts: {
  task: string;
  kind: string;
  modelId: string;
  format: string;
  quantization: string;
  date: Date;
}): string {
  const model = `${fileSafe(parts.modelId)}_${parts.format}_${fileSafe(parts.quantization)}`;
  const stamp = fileStamp(parts.date);
  return parts.kind === "realistic"
    ? `realistic_${model}_${stamp}`
    : `eval_${fileSafe(parts.task)}_${model}_${stamp}`;
}
