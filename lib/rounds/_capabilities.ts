import type { ModelConfig } from "../config/mod.ts";
import { DRAFT_PARALLEL_PROBLEM } from "../backends/mod.ts";
import type { RoundBackend, RoundSettings } from "./_schema.ts";

/** Setting names a round can carry. */
export type SettingName = keyof RoundSettings;

/**
 * What each backend can apply: `true`, or the reason it cannot. This table is the single source
 * of the support matrix printed by `deno task rounds --list` and checked against rounds.yaml.
 */
export const CAPABILITIES: Record<RoundBackend, Record<SettingName, true | string>> = {
  embedded: {
    flash_attention: true,
    kv_cache_type_k: true,
    kv_cache_type_v: true,
    batch_size: true,
    context_size: true,
    threads: true,
    parallel: true,
    prompt_lookup: true,
    draft: true,
  },
  lmstudio: {
    flash_attention: true,
    kv_cache_type_k: "LM Studio's load API (REST v1 / lms load) has no KV cache type setting",
    kv_cache_type_v: "LM Studio's load API (REST v1 / lms load) has no KV cache type setting",
    batch_size: true,
    context_size: true,
    threads: "LM Studio's load API has no thread count setting",
    parallel: "LM Studio's load API takes no parallel slot count",
    prompt_lookup: "LM Studio exposes no prompt-lookup decoding",
    draft: "LM Studio's load API takes no draft model (its speculative decoding is set in the app)",
  },
  "llama-server": {
    flash_attention: true,
    kv_cache_type_k: true,
    kv_cache_type_v: true,
    batch_size: true,
    context_size: true,
    threads: true,
    parallel: true,
    prompt_lookup: "llama-server has no prompt-lookup decoding flag",
    draft: true,
  },
};

/** The round backend a model runs on, or null for a server the tool cannot configure. */
export function roundBackendOf(model: ModelConfig): RoundBackend | null {
  if (model.backend === "embedded") return "embedded";
  if (model.backend === "lmstudio") return "lmstudio";
  return model.server ? "llama-server" : null;
}

/** Why a backend cannot apply these settings (one reason per setting), or [] when it can. */
export function unsupportedSettings(backend: RoundBackend, settings: RoundSettings): string[] {
  const reasons: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const support = CAPABILITIES[backend][name as SettingName];
    if (support !== true) reasons.push(`${name}: ${support}`);
  }
  if (backend === "embedded" && settings.draft && (settings.parallel ?? 1) > 1) {
    reasons.push(`draft with parallel: ${DRAFT_PARALLEL_PROBLEM}`);
  }
  return reasons;
}
