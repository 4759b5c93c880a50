import { ConfigError, type ModelConfig, UnknownNameError } from "../config/mod.ts";

/**
 * The model key for `--model`: a key of configs/models.yaml, or an LM Studio model id that
 * exactly one configured model has (the seed passes ids such as `google/gemma-3n-e4b`). An id
 * shared by several entries (GGUF and MLX builds) is refused with the keys to choose from.
 *
 * @example
 * ```ts
 * import { resolveModelKey } from "./_model_key.ts";
 * const models = { a: { model_id: "org/x" }, b: { model_id: "org/y" } } as never;
 * if (resolveModelKey(models, "org/y") !== "b") throw new Error();
 * ```
 */
export function resolveModelKey(models: Record<string, ModelConfig>, name: string): string {
  if (Object.hasOwn(models, name)) return name;
  const matches = Object.entries(models).filter(([, m]) => m.model_id === name).map(([k]) => k);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new ConfigError(
      "<command line>",
      "--model",
      name,
      `is the model id of several configured models (${
        matches.join(", ")
      }): pass one of these keys`,
    );
  }
  throw new UnknownNameError("model", name, Object.keys(models));
}
