import { join } from "node:path";
import { ConfigError, loadYamlFile, PROJECT_ROOT } from "../config/mod.ts";
import { CAPABILITIES, type SettingName, unsupportedSettings } from "./_capabilities.ts";
import { type RoundsFile, RoundsFileSchema } from "./_schema.ts";

/**
 * Load configs/rounds.yaml: zod-validated, then each round's declared backends are checked
 * against what those backends can apply (a contradiction is a ConfigError naming the round).
 */
export async function loadRoundsConfig(
  configDir: string = join(PROJECT_ROOT, "configs"),
): Promise<{ file: string; config: RoundsFile }> {
  const file = join(configDir, "rounds.yaml");
  const config = await loadYamlFile(file, RoundsFileSchema);
  for (const [id, round] of Object.entries(config.rounds)) {
    for (const backend of round.backends) {
      const reasons = unsupportedSettings(backend, round.settings);
      if (reasons.length) {
        throw new ConfigError(
          file,
          `rounds.${id}.backends`,
          round.backends,
          `lists ${backend}, which cannot apply ${reasons.join("; ")}`,
        );
      }
    }
    if (
      round.settings.kv_cache_type_v &&
      !["f16", "bf16", "f32"].includes(round.settings.kv_cache_type_v) &&
      round.settings.flash_attention !== true
    ) {
      throw new ConfigError(
        file,
        `rounds.${id}.settings.flash_attention`,
        round.settings.flash_attention,
        "must be true with a quantized kv_cache_type_v (llama.cpp needs FlashAttention for it)",
      );
    }
  }
  return { file, config };
}

/** The support matrix: per backend and setting, `yes` or the reason it cannot. */
export function supportMatrix(): {
  setting: SettingName;
  embedded: string;
  lmstudio: string;
  "llama-server": string;
}[] {
  const settings = Object.keys(CAPABILITIES.embedded) as SettingName[];
  const cell = (v: true | string) => (v === true ? "yes" : `no: ${v}`);
  return settings.map((setting) => ({
    setting,
    embedded: cell(CAPABILITIES.embedded[setting]),
    lmstudio: cell(CAPABILITIES.lmstudio[setting]),
    "llama-server": cell(CAPABILITIES["llama-server"][setting]),
  }));
}
