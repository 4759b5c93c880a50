/**
 * lm-evaluation-harness (EleutherAI `lm_eval`) for `eval --use-harness`: only what its API models
 * need (`lm-eval[api]`, no torch), in its own venv in the user cache. @module
 */
import { join } from "node:path";
import { userCacheDir } from "../download/mod.ts";
import { findPythonWithPip, runCommand, SetupError } from "./_python.ts";

/** The lm-eval release the `--use-harness` integration is tested with. */
export const LM_EVAL_VERSION = "0.4.13";

/** The venv lm_eval is installed into: `<user cache>/lm-eval/venv`. */
export function lmEvalVenv(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  return join(userCacheDir(env), "lm-eval", "venv");
}

/** What {@linkcode installLmEval} did. */
export interface InstalledLmEval {
  /** The `lm_eval` executable. */
  executable: string;
  changed: boolean;
}

/**
 * Install `lm-eval[api]==LM_EVAL_VERSION` into its venv unless its `lm_eval` already runs.
 * @throws {SetupError} naming the step that failed.
 */
export async function installLmEval(
  options: { env?: (name: string) => string | undefined; onLine?: (line: string) => void } = {},
): Promise<InstalledLmEval> {
  const venv = lmEvalVenv(options.env);
  const executable = join(venv, "bin", "lm_eval");
  const python = join(venv, "bin", "python");
  const installed = await runCommand(python, [
    "-c",
    `import importlib.metadata as m; assert m.version("lm_eval") == "${LM_EVAL_VERSION}"`,
  ]);
  if (installed.code === 0) return { executable, changed: false };
  const { python: system } = await findPythonWithPip();
  const made = await runCommand(system, ["-m", "venv", venv]);
  if (made.code !== 0) {
    throw new SetupError(
      `Cannot create a venv at ${venv} (Debian: apt-get install python3-venv): ${made.stderr.trim()}`,
    );
  }
  const out = await runCommand(python, [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--progress-bar",
    "off",
    `lm-eval[api]==${LM_EVAL_VERSION}`,
  ], { onLine: options.onLine });
  if (out.code !== 0) {
    throw new SetupError(
      `Installing lm-eval[api]==${LM_EVAL_VERSION} into ${venv} failed: ${
        out.stderr.trim().split("\n").slice(-5).join(" | ").slice(0, 800)
      }`,
    );
  }
  return { executable, changed: true };
}
