/**
 * Configuration: zod schemas for experiment, models and scenarios, YAML loading with errors that
 * name the file, field and value, registries, and a stable config hash.
 * @module
 */
export { ConfigError, describeValue } from "./_errors.ts";
export * from "./_schemas.ts";
export { loadYamlFile, type ParseOptions, parseWithSchema, parseYamlText } from "./load.ts";
export { lookup, selectNames, UnknownNameError } from "./registry.ts";
export { canonicalJson, configHash, sha256Hex } from "./hash.ts";
export {
  applyOverrides,
  type ExperimentOverrides,
  loadProjectConfig,
  type LoadProjectConfigOptions,
  OUTPUT_DIR_ENV,
  PROJECT_ROOT,
  type ProjectConfig,
  type ResolvedScenario,
  resolveOutputPath,
  resolveProjectPath,
  runConfigHash,
} from "./project.ts";
export {
  apiKeyFromEnv,
  checkEndpoint,
  DEFAULT_ENDPOINT_SOURCES,
  egressNotes,
  type EndpointCheck,
  EndpointError,
  type EndpointOrigin,
  type EndpointSources,
  fileEndpointSources,
  isLoopbackHost,
  isLoopbackUrl,
  lmstudioEndpoint,
  manifestEndpointSources,
  type ModelEndpoint,
  ModelEndpointSchema,
  type ResolveEndpointOptions,
  resolveModelEndpoint,
  resolveModelEndpoints,
} from "./endpoint.ts";
