import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./_errors.ts";
import { loadYamlFile, parseWithSchema } from "./load.ts";
import {
  type Experiment,
  ExperimentSchema,
  type ModelConfig,
  ModelsFileSchema,
  type ScenarioConfig,
  ScenariosFileSchema,
  type SweepConfig,
} from "./_schemas.ts";
import { configHash } from "./hash.ts";
import { type EndpointSources, fileEndpointSources } from "./endpoint.ts";

/** The project root (the folder holding deno.json). */
export const PROJECT_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** A scenario with its prompt texts read from data/. */
export interface ResolvedScenario extends ScenarioConfig {
  name: string;
  system_prompt: string | null;
  prompt: string;
  json_schema: Record<string, unknown> | null;
  /**
   * A length-sweep point: the prompt is built at run time with the model's tokenizer to exactly
   * `prompt_tokens` tokens (chat template included); `max_tokens` is `output_tokens`.
   */
  sweep?: { prompt_tokens: number; output_tokens: number };
}

/** Everything a run needs, validated. */
export interface ProjectConfig {
  experiment: Experiment;
  models: Record<string, ModelConfig>;
  scenarios: Record<string, ResolvedScenario>;
  /** The `sweep:` block of scenarios.yaml, when it has one. */
  sweep: SweepConfig | null;
  /** Files the config was read from. */
  files: { experiment: string; models: string; scenarios: string };
  /** Where endpoint URLs came from (LMSTUDIO_BASE_URL or experiment.yaml; models.yaml). */
  endpointSources: EndpointSources;
}

/** Options for {@linkcode loadProjectConfig}. */
export interface LoadProjectConfigOptions {
  /** Folder with experiment.yaml, models.yaml, scenarios.yaml. @default "<project>/configs" */
  configDir?: string;
  /** Folder relative paths in configs are resolved against. @default PROJECT_ROOT */
  root?: string;
  /** Environment lookup (for LMSTUDIO_BASE_URL). @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

/**
 * Environment variable that moves the default output folders (`results/`, `report/`, `figures/`)
 * out of the project: `deno task notebooks` sets it so that headless notebook runs never write
 * into the user's folders.
 */
export const OUTPUT_DIR_ENV = "EDGE_BENCH_OUTPUT_DIR";

/**
 * Resolve a default output folder (`results`, `report`, `figures`, or a relative `results_dir`):
 * under `$EDGE_BENCH_OUTPUT_DIR` when it is set, else under the project root. Absolute paths are
 * returned unchanged.
 */
export function resolveOutputPath(
  path: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  return resolveProjectPath(path, env(OUTPUT_DIR_ENV) || PROJECT_ROOT);
}

/** Resolve a path from a config against the project root. */
export function resolveProjectPath(path: string, root: string = PROJECT_ROOT): string {
  return isAbsolute(path) ? path : join(root, path);
}

async function readReferenced(
  file: string,
  field: string,
  path: string,
  root: string,
): Promise<string> {
  try {
    return await Deno.readTextFile(resolveProjectPath(path, root));
  } catch (error) {
    throw new ConfigError(file, field, path, "names a file that cannot be read", { cause: error });
  }
}

async function resolveScenario(
  name: string,
  s: ScenarioConfig,
  file: string,
  root: string,
): Promise<ResolvedScenario> {
  const at = (f: string) => `scenarios.${name}.${f}`;
  const template = await readReferenced(file, at("prompt_file"), s.prompt_file, root);
  const input = s.input_file
    ? await readReferenced(file, at("input_file"), s.input_file, root)
    : null;
  if (template.includes("{{input}}") !== (input !== null)) {
    throw new ConfigError(
      file,
      at("input_file"),
      s.input_file,
      input === null
        ? "is required because the prompt template contains {{input}}"
        : "is given but the prompt template has no {{input}} placeholder",
    );
  }
  const system = s.system_prompt_file
    ? await readReferenced(file, at("system_prompt_file"), s.system_prompt_file, root)
    : null;
  let schema: Record<string, unknown> | null = null;
  if (s.json_schema_file) {
    const text = await readReferenced(file, at("json_schema_file"), s.json_schema_file, root);
    try {
      schema = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(file, at("json_schema_file"), s.json_schema_file, "is not valid JSON", {
        cause: error,
      });
    }
  }
  return {
    ...s,
    name,
    system_prompt: system?.trim() ?? null,
    prompt: (input === null ? template : template.replace("{{input}}", input.trim())).trim(),
    json_schema: schema,
  };
}

/** Load and validate configs/experiment.yaml, models.yaml and scenarios.yaml. */
export async function loadProjectConfig(
  options: LoadProjectConfigOptions = {},
): Promise<ProjectConfig> {
  const root = options.root ?? PROJECT_ROOT;
  const dir = options.configDir ?? join(root, "configs");
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const files = {
    experiment: join(dir, "experiment.yaml"),
    models: join(dir, "models.yaml"),
    scenarios: join(dir, "scenarios.yaml"),
  };
  const experiment = await loadYamlFile(files.experiment, ExperimentSchema);
  const baseUrl = env("LMSTUDIO_BASE_URL");
  if (baseUrl) {
    experiment.lmstudio = parseWithSchema(
      { ...experiment.lmstudio, base_url: baseUrl },
      ExperimentSchema.shape.lmstudio,
      "LMSTUDIO_BASE_URL",
      { pathPrefix: "lmstudio" },
    );
  }
  const { models } = await loadYamlFile(files.models, ModelsFileSchema);
  const { scenarios: raw, sweep } = await loadYamlFile(files.scenarios, ScenariosFileSchema);
  const scenarios: Record<string, ResolvedScenario> = {};
  for (const [name, s] of Object.entries(raw)) {
    scenarios[name] = await resolveScenario(name, s, files.scenarios, root);
  }
  const endpointSources = fileEndpointSources(files, Boolean(baseUrl));
  return { experiment, models, scenarios, sweep: sweep ?? null, files, endpointSources };
}

/** Command-line overrides of the experiment's methodology settings. */
export interface ExperimentOverrides {
  runs?: number;
  /** Adaptive repetitions (`--target-ci`, `--min-runs`). */
  adaptive?: { target_ci: number; min_runs?: number };
  warmup?: number;
  seed?: number;
  temperature?: number;
  results_dir?: string;
}

/** Apply overrides, validated with the same schema (errors name `<cli>` and the flag). */
export function applyOverrides(experiment: Experiment, overrides: ExperimentOverrides): Experiment {
  const merged: Record<string, unknown> = { ...experiment };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;
  return parseWithSchema(merged, ExperimentSchema, "<command line>");
}

/** Hash of what determines a run's numbers (everything but where results go). */
export function runConfigHash(parts: {
  experiment: Experiment;
  models: Record<string, ModelConfig>;
  scenarios: Record<string, ResolvedScenario>;
}): Promise<string> {
  const { results_dir: _ignored, ...experiment } = parts.experiment;
  return configHash({ experiment, models: parts.models, scenarios: parts.scenarios });
}
