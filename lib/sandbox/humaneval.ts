/** Assembling the program that checks a HumanEval completion. @module */

/** The parts of a HumanEval problem a check program needs. */
export interface HumanEvalProblem {
  /** Imports, helpers and the signature with its docstring, as published. */
  prompt: string;
  /** The published test code, defining `check(candidate)`. */
  test: string;
  /** Name of the function under test. */
  entryPoint: string;
}

/** Indents every non-blank line by four spaces when the first one is not indented. */
function asBody(completion: string): string {
  const lines = completion.replace(/^\s*\n/, "").trimEnd().split("\n");
  if (/^[ \t]/.test(lines[0] ?? "")) return lines.join("\n");
  return lines.map((line) => (line.trim() ? `    ${line}` : line)).join("\n");
}

/**
 * The program that checks one completion: the prompt, then the completion (as the body of the
 * prompt's function, or after it when the completion defines `entryPoint` itself; the prompt
 * then still supplies imports and helpers), then the test and `check(entryPoint)`. It exits 0
 * exactly when every assertion holds.
 *
 * @example
 * ```ts
 * import { humanEvalProgram } from "./humaneval.ts";
 * const problem = {
 *   prompt: "def inc(x):\n    \"\"\"Add one.\"\"\"\n",
 *   test: "def check(candidate):\n    assert candidate(1) == 2\n",
 *   entryPoint: "inc",
 * };
 * humanEvalProgram(problem, "    return x + 1\n");
 * // 'def inc(x):\n    """Add one."""\n    return x + 1\n\n\ndef check(candidate):\n ...check(inc)\n'
 * ```
 */
export function humanEvalProgram(problem: HumanEvalProblem, completion: string): string {
  const { prompt, test, entryPoint } = problem;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entryPoint)) {
    throw new TypeError(
      `Cannot build a HumanEval program: entry point must be a Python identifier: ` +
        `current value is '${entryPoint}'`,
    );
  }
  const defines = new RegExp(`^(?:async\\s+)?def\\s+${entryPoint}\\s*\\(`, "m");
  const solution = defines.test(completion)
    ? `${prompt.trimEnd()}\n\n\n${completion.trim()}\n`
    : `${prompt.endsWith("\n") ? prompt : `${prompt}\n`}${asBody(completion)}\n`;
  return `${solution}\n\n${test.trim()}\n\n\ncheck(${entryPoint})\n`;
}
