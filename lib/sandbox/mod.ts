/**
 * The code-execution sandbox of the coding task: model-written Python runs in a separate
 * process under OS isolation (bubblewrap or util-linux `unshare` namespaces on Linux,
 * `sandbox-exec` on macOS) with no network, no writes outside fresh scratch space, a scrubbed
 * environment, and memory, process, output and wall-clock limits. Also the HumanEval helpers:
 * pulling code out of an answer and assembling the check program.
 *
 * @example
 * ```ts ignore
 * import { extractCode, humanEvalProgram, runPythonSandboxed } from "./mod.ts";
 * const code = extractCode(answer, problem.entryPoint);
 * const result = await runPythonSandboxed(humanEvalProgram(problem, code));
 * result.status; // "passed" | "failed" | "timeout" | "memory" | "error"
 * ```
 * @module
 */
export {
  DEFAULT_SANDBOX_LIMITS,
  SANDBOX_KINDS,
  type SandboxKind,
  type SandboxLimits,
  type SandboxResult,
  type SandboxStatus,
} from "./_types.ts";
export { SandboxUnavailableError, UNSAFE_NO_SANDBOX_FLAG } from "./errors.ts";
export { PythonNotFoundError } from "./_python.ts";
export {
  detectSandbox,
  type DetectSandboxOptions,
  type ProbeResult,
  probeSandbox,
  sandboxCandidates,
} from "./detect.ts";
export { resolveLimits, runPythonSandboxed, type RunSandboxedOptions } from "./run.ts";
export type { RssSampler } from "./_process.ts";
export {
  type HumanEvalProblem,
  humanEvalProgram,
  type HumanEvalProgramOptions,
  humanEvalSentinel,
  testsRanToEnd,
} from "./humaneval.ts";
export { extractCode } from "./extract_code.ts";
export { isolationOf } from "./isolation.ts";
