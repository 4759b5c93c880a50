import assert from "node:assert/strict";
import {
  extractCode,
  type HumanEvalProblem,
  humanEvalProgram,
  humanEvalSentinel,
  runPythonSandboxed,
  type SandboxResult,
  testsRanToEnd,
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

Deno.test("humanEvalProgram() prints the sentinel after check(), flushed, straight to stdout", () => {
  const program = humanEvalProgram(PROBLEM, "    return x + 1\n", { sentinel: "done-1" });
  assert.ok(
    program.endsWith(
      'check(inc)\n__import__("sys").stdout.flush()\n__import__("os").write(1, b"\\ndone-1\\n")\n',
    ),
  );
  assert.throws(
    () => humanEvalProgram(PROBLEM, "", { sentinel: 'x")\nprint("' }),
    (error) => error instanceof TypeError && /the sentinel must be letters/.test(error.message),
  );
});

Deno.test("humanEvalSentinel() is fresh on every call", () => {
  const seen = new Set(Array.from({ length: 100 }, () => humanEvalSentinel()));
  assert.equal(seen.size, 100);
  for (const s of seen) assert.match(s, /^edge-humaneval-tests-completed-[0-9a-f-]{36}$/);
});

Deno.test("testsRanToEnd() needs exit 0 and the sentinel as a whole line of stdout or its tail", () => {
  const base = { exitCode: 0, stdout: "", stdoutTail: "" };
  assert.equal(testsRanToEnd({ ...base, stdout: "x\nS\n" }, "S"), true);
  assert.equal(testsRanToEnd({ ...base, stdout: "cut...", stdoutTail: "...\nS\n" }, "S"), true);
  assert.equal(testsRanToEnd({ ...base, exitCode: 1, stdout: "S\n" }, "S"), false);
  assert.equal(testsRanToEnd({ ...base, stdout: "xS\n" }, "S"), false);
  assert.equal(testsRanToEnd(base, "S"), false);
});

/**
 * Completions that leave with exit status 0 before the tests run: each exits 0 in the sandbox
 * (so exit status alone would score it a pass), and none prints the run's sentinel.
 */
const EARLY_EXITS: Record<string, string> = {
  "os._exit(0) at import":
    "import os\nos._exit(0)\ndef has_close_elements(numbers, threshold):\n    return False\n",
  "raise SystemExit(0) at import":
    "def has_close_elements(numbers, threshold):\n    return False\n\nraise SystemExit(0)\n",
  "raise SystemExit(0) in the body": "raise SystemExit(0)\n",
  "sys.exit() inside the function": "    import sys\n    sys.exit(0)\n",
  "a guessed success line, then os._exit(0)":
    "import os\nprint('edge-humaneval-tests-completed-00000000-0000-0000-0000-000000000000')\n" +
    "print('ALL TESTS PASSED')\nos._exit(0)\n",
};

for (const [name, completion] of Object.entries(EARLY_EXITS)) {
  Deno.test(`a completion that exits early (${name}) exits 0 but does not run the tests to their end`, async () => {
    const lines = await loadHumanEvalLines();
    const problem = problemOf(lines.find((l) => l.task_id === "HumanEval/0")!);
    const sentinel = humanEvalSentinel();
    const result = await runPythonSandboxed(humanEvalProgram(problem, completion, { sentinel }));
    assert.notEqual(result.sandbox, "none");
    // The control: exit status 0, which is all the harness used to check.
    assert.equal(result.status, "passed", result.stderr);
    assert.equal(testsRanToEnd(result, sentinel), false);
  });
}

Deno.test("a correct completion that prints more than the output limit still runs to its end", async () => {
  const lines = await loadHumanEvalLines();
  const line = lines.find((l) => l.task_id === "HumanEval/0")!;
  const chatty = `print("x" * 100000)\n${line.prompt}${line.canonical_solution}`;
  const sentinel = humanEvalSentinel();
  const result = await runPythonSandboxed(
    humanEvalProgram(problemOf(line), chatty, { sentinel }),
    { limits: { maxOutputBytes: 4096 } },
  );
  assert.equal(result.outputTruncated, true);
  assert.equal(testsRanToEnd(result, sentinel), true, result.stderr);
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

Deno.test("all 164 canonical solutions pass and run to their sentinel, as bodies and as fenced full functions", async () => {
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
      async () => {
        const sentinel = humanEvalSentinel();
        const program = humanEvalProgram(problem, line.canonical_solution, { sentinel });
        return [line.task_id, await runPythonSandboxed(program), sentinel] as const;
      },
      async () => {
        const sentinel = humanEvalSentinel();
        const program = humanEvalProgram(problem, full, { sentinel });
        return [`${line.task_id} (fenced)`, await runPythonSandboxed(program), sentinel] as const;
      },
    ];
  });
  const results: (readonly [string, SandboxResult, string])[] = await pool(jobs, 4);
  const failures = results.filter(([, result, sentinel]) =>
    result.status !== "passed" || !testsRanToEnd(result, sentinel)
  ).map(([id, result]) => `${id}: ${result.status} ${result.stderr.slice(-300)}`);
  assert.deepEqual(failures, []);
});
