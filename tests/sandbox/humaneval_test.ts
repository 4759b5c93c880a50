import assert from "node:assert/strict";
import {
  extractCode,
  type HumanEvalProblem,
  humanEvalProgram,
  runPythonSandboxed,
  type SandboxResult,
} from "../../lib/sandbox/mod.ts";
import { type HumanEvalLine, loadHumanEvalLines, requireSandbox } from "./_helpers.ts";

const PROBLEM: HumanEvalProblem = {
  prompt: 'from typing import List\n\n\ndef inc(x: int) -> int:\n    """Add one."""\n',
  test: "\n\ndef check(candidate):\n    assert candidate(1) == 2\n\n",
  entryPoint: "inc",
};

function problemOf(line: HumanEvalLine): HumanEvalProblem {
  return { prompt: line.prompt, test: line.test, entryPoint: line.entry_point };
}

Deno.test("humanEvalProgram() appends a body completion to the prompt, then test and check", () => {
  assert.equal(
    humanEvalProgram(PROBLEM, "    return x + 1\n"),
    'from typing import List\n\n\ndef inc(x: int) -> int:\n    """Add one."""\n' +
      "    return x + 1\n\n\ndef check(candidate):\n    assert candidate(1) == 2\n\n\ncheck(inc)\n",
  );
});

Deno.test("humanEvalProgram() indents a body that came back flush left", () => {
  const program = humanEvalProgram(PROBLEM, "y = x + 1\nif y:\n    return y\n");
  assert.ok(program.includes('"""Add one."""\n    y = x + 1\n    if y:\n        return y\n'));
});

Deno.test("humanEvalProgram() puts a full function after the prompt, which keeps the imports", () => {
  const completion = "def inc(x):\n    return x + 1\n";
  assert.equal(
    humanEvalProgram(PROBLEM, completion),
    'from typing import List\n\n\ndef inc(x: int) -> int:\n    """Add one."""\n\n\n' +
      "def inc(x):\n    return x + 1\n\n\ndef check(candidate):\n    assert candidate(1) == 2\n\n\n" +
      "check(inc)\n",
  );
});

Deno.test("humanEvalProgram() rejects an entry point that is not an identifier", () => {
  assert.throws(
    () => humanEvalProgram({ ...PROBLEM, entryPoint: "inc; import os" }, ""),
    (error) =>
      error instanceof TypeError &&
      error.message === "Cannot build a HumanEval program: entry point must be a Python " +
          "identifier: current value is 'inc; import os'",
  );
});

Deno.test("the canonical solution of HumanEval/0 passes in the sandbox and a wrong one fails", async () => {
  const lines = await loadHumanEvalLines();
  const line = lines.find((candidate) => candidate.task_id === "HumanEval/0")!;
  assert.equal(line.entry_point, "has_close_elements");
  const right = await runPythonSandboxed(
    humanEvalProgram(problemOf(line), line.canonical_solution),
  );
  assert.equal(right.status, "passed", right.stderr);
  assert.notEqual(right.sandbox, "none");
  const wrong = await runPythonSandboxed(humanEvalProgram(problemOf(line), "    return False\n"));
  assert.equal(wrong.status, "failed");
  assert.match(wrong.stderr, /AssertionError/);
});

/** Runs `jobs` with at most `width` at once, keeping their order. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  }
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

Deno.test("all 164 canonical solutions pass, as bodies and as fenced full functions", async () => {
  await requireSandbox(Deno.build.os === "darwin" ? "sandbox-exec" : "bwrap");
  const lines = await loadHumanEvalLines();
  assert.equal(lines.length, 164);
  const jobs = lines.flatMap((line) => {
    const problem = problemOf(line);
    // A chat-style answer: prose, then the whole function in a fence, then more prose.
    const answer =
      `Here is my solution.\n\n\`\`\`python\n${line.prompt}${line.canonical_solution}` +
      "```\n\nIt runs in linear time.";
    const full = extractCode(answer, line.entry_point);
    return [
      async () =>
        [
          line.task_id,
          await runPythonSandboxed(humanEvalProgram(problem, line.canonical_solution)),
        ] as const,
      async () =>
        [
          `${line.task_id} (fenced)`,
          await runPythonSandboxed(humanEvalProgram(problem, full)),
        ] as const,
    ];
  });
  const results: (readonly [string, SandboxResult])[] = await pool(jobs, 4);
  const failures = results.filter(([, result]) => result.status !== "passed")
    .map(([id, result]) => `${id}: ${result.status} ${result.stderr.slice(-300)}`);
  assert.deepEqual(failures, []);
});
