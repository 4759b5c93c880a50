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

/** Options for {@linkcode humanEvalProgram}. */
export interface HumanEvalProgramOptions {
  /**
   * A line the program prints after `check(...)` returns (see {@linkcode humanEvalSentinel});
   * without one the program only exits 0, which a completion can do itself before the tests.
   * @default none
   */
  sentinel?: string;
}

/**
 * A fresh, unguessable line for one check program to print after its tests ran to their end
 * (128 random bits). A completion that exits before the tests (`os._exit(0)`,
 * `raise SystemExit(0)`, `sys.exit()` inside the function) cannot print it. It is no defence
 * against code written to read its own program file and forge the line: the sandbox protects
 * the host, not the score, from a deliberately hostile completion.
 */
export function humanEvalSentinel(): string {
  return `edge-humaneval-tests-completed-${crypto.randomUUID()}`;
}

/**
 * Whether a check program's tests ran to their end: it exited 0 and its standard output holds
 * the sentinel as a line of its own (read from the output's tail, so a chatty program that
 * filled the output limit is still judged).
 */
export function testsRanToEnd(
  result: { exitCode: number | null; stdout: string; stdoutTail: string },
  sentinel: string,
): boolean {
  if (result.exitCode !== 0) return false;
  const lines = `${result.stdout}\n${result.stdoutTail}`.split(/\r?\n/);
  return lines.some((line) => line === sentinel);
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
 * when every assertion holds; with `sentinel` it then flushes stdout and writes the sentinel
 * line straight to file descriptor 1, which only a run that got past `check(...)` does.
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
export function humanEvalProgram(
  problem: HumanEvalProblem,
  completion: string,
  options: HumanEvalProgramOptions = {},
): string {
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
  const program = `${solution}\n\n${test.trim()}\n\n\ncheck(${entryPoint})\n`;
  if (options.sentinel === undefined) return program;
  if (!/^[\w.-]+$/.test(options.sentinel)) {
    throw new TypeError(
      `Cannot build a HumanEval program: the sentinel must be letters, digits, '.', '_' or '-': ` +
        `current value is '${options.sentinel}'`,
    );
  }
  return `${program}__import__("sys").stdout.flush()\n` +
    `__import__("os").write(1, b"\\n${options.sentinel}\\n")\n`;
}
