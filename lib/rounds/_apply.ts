import type { EmbeddedModelConfig, LmStudioModelConfig } from "../config/mod.ts";
import type { EmbeddedBackendOptions, LmStudioLoadConfig } from "../backends/mod.ts";
import type { RoundSettings } from "./_schema.ts";

/** Embedded engine options: the model's own configuration with the round's settings on top. */
export function embeddedOptionsFor(
  model: EmbeddedModelConfig,
  settings: RoundSettings,
  draftModelPath: string | null,
): EmbeddedBackendOptions {
  const fa = settings.flash_attention ??
    (model.flash_attention === "auto" ? undefined : model.flash_attention === "on");
  return {
    modelId: model.model_id,
    threads: settings.threads ?? model.threads,
    contextSize: settings.context_size ?? model.context_size,
    batchSize: settings.batch_size ?? model.batch_size,
    gpu: model.gpu,
    reusePromptCache: model.reuse_prompt_cache,
    chatWrapper: model.chat_wrapper,
    flashAttention: fa,
    kvCacheKeyType: settings.kv_cache_type_k,
    kvCacheValueType: settings.kv_cache_type_v,
    sequences: settings.parallel ?? 1,
    tokenPredictor: settings.draft
      ? {
        kind: "draft",
        modelPath: draftModelPath!,
        maxTokens: settings.draft.max_tokens,
        minConfidence: settings.draft.min_confidence,
      }
      : settings.prompt_lookup
      ? {
        kind: "input_lookup",
        patternLength: {
          min: settings.prompt_lookup.pattern_min,
          max: settings.prompt_lookup.pattern_max,
        },
        predictionLength: { max: settings.prompt_lookup.predict_max },
      }
      : undefined,
  };
}

/** LM Studio load configuration (REST v1 `models/load`) for a round. */
export function lmStudioLoadFor(
  model: LmStudioModelConfig,
  settings: RoundSettings,
): LmStudioLoadConfig {
  return {
    context_length: settings.context_size ?? model.load?.context_length,
    eval_batch_size: settings.batch_size ?? model.load?.eval_batch_size,
    flash_attention: settings.flash_attention ?? model.load?.flash_attention,
    offload_kv_cache_to_gpu: model.load?.offload_kv_cache_to_gpu,
  };
}

/**
 * llama-server command-line flags for a round (llama.cpp's names: `-fa`, `-ctk`, `-ctv`, `-b`,
 * `-c`, `-t`, `-np` with `-cb`, `-md` with `--draft-max` and `--draft-p-min`).
 *
 * @example
 * ```ts
 * import { llamaServerFlags } from "./_apply.ts";
 * const flags = llamaServerFlags({ flash_attention: true, kv_cache_type_k: "q8_0", parallel: 4 }, null);
 * if (flags.join(" ") !== "-fa on -ctk q8_0 -np 4 -cb") throw new Error(flags.join(" "));
 * ```
 */
export function llamaServerFlags(settings: RoundSettings, draftModelPath: string | null): string[] {
  const f: string[] = [];
  if (settings.flash_attention !== undefined) {
    f.push("-fa", settings.flash_attention ? "on" : "off");
  }
  if (settings.kv_cache_type_k) f.push("-ctk", settings.kv_cache_type_k);
  if (settings.kv_cache_type_v) f.push("-ctv", settings.kv_cache_type_v);
  if (settings.batch_size) f.push("-b", String(settings.batch_size));
  if (settings.context_size) f.push("-c", String(settings.context_size));
  if (settings.threads) f.push("-t", String(settings.threads));
  if (settings.parallel) f.push("-np", String(settings.parallel), "-cb");
  if (settings.draft) {
    f.push(
      "-md",
      draftModelPath!,
      "--draft-max",
      String(settings.draft.max_tokens),
      "--draft-p-min",
      String(settings.draft.min_confidence),
    );
  }
  return f;
}
