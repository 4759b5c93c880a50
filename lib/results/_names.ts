/** Make a string safe for a file name: slashes and spaces become `_`, other odd characters `-`. */
export function fileSafe(text: string): string {
  return text.replace(/[\/\\\s]+/g, "_").replace(/[^A-Za-z0-9._-]/g, "-");
}

/** `YYYYMMDD_HHMMSS` in UTC. */
export function fileStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll("-", "")}_${iso.slice(11, 19).replaceAll(":", "")}`;
}

/**
 * The seed's performance file name: `perf_<model-id>_<FORMAT>_<QUANT>_<scenario>_<stamp>.jsonl`.
 *
 * @example
 * ```ts
 * import { perfFileName } from "./_names.ts";
 * const name = perfFileName({
 *   modelId: "google/gemma-3n-e4b", format: "GGUF", quantization: "Q4_K_M",
 *   scenario: "interactive_assistant", date: new Date("2025-11-23T10:20:30Z"),
 * });
 * if (name !== "perf_google_gemma-3n-e4b_GGUF_Q4_K_M_interactive_assistant_20251123_102030.jsonl") {
 *   throw new Error(name);
 * }
 * ```
 */
export function perfFileName(parts: {
  modelId: string;
  format: string;
  quantization: string;
  scenario: string;
  date: Date;
  /** Optimization round, placed after the scenario. */
  round?: string;
}): string {
  const round = parts.round ? `_${fileSafe(parts.round)}` : "";
  return `perf_${fileSafe(parts.modelId)}_${parts.format}_${fileSafe(parts.quantization)}_${
    fileSafe(parts.scenario)
  }${round}_${fileStamp(parts.date)}.jsonl`;
}

/** The run manifest's file name: `experiment_config_<hash>.json`. */
export function manifestFileName(configHash: string): string {
  return `experiment_config_${configHash}.json`;
}
