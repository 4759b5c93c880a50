import assert from "node:assert/strict";
import {
  buildTask,
  codeScorer,
  type EvalSample,
  loadTasksConfig,
  resolveTask,
} from "../../lib/eval/mod.ts";
import {
  detectSandbox,
  type SandboxResult,
  SandboxUnavailableError,
} from "../../lib/sandbox/mod.ts";
import { LOCAL_DATA } from "./_helpers.ts";

const { file, tasks } = await loadTasksConfig();
const resolved = await resolveTask(tasks, "coding", { file, overrides: { sample_size: 2 } });
const sandbox = await detectSandbox();
const problemOf = (s: EvalSample) =>
  (s.data as { problem: { prompt: string; canonicalSolution: string; entryPoint: string } })
    .problem;

Deno.test("the coding task passes canonical solutions and fails wrong code in the sandbox", async () => {
  if (sandbox === null) {
    // No sandbox on this machine: the task must refuse to start rather than run code unisolated.
    await assert.rejects(() => buildTask(resolved, { data: LOCAL_DATA }), SandboxUnavailableError);
    return;
  }
  const task = await buildTask(resolved, { data: LOCAL_DATA });
  assert.equal(task.samples.length, 2);
  for (const s of task.samples) {
    const p = problemOf(s);
    const good = await task.scorer("```python\n" + p.prompt + p.canonicalSolution + "```", s);
    assert.equal(good.correct, true, JSON.stringify(good.details));
    assert.equal(good.details?.sandbox, sandbox);
    const bad = await task.scorer(
      `\`\`\`python\ndef ${p.entryPoint}(*args):\n    return None\n\`\`\``,
      s,
    );
    assert.equal(bad.correct, false);
    assert.equal(bad.details?.status, "failed");
  }
});

Deno.test("the coding task fails completions that exit 0 before the tests ran to their end", async () => {
  if (sandbox === null) return; // the test above checks the refusal without a sandbox
  const task = await buildTask(resolved, { data: LOCAL_DATA });
  const s = task.samples[0];
  const p = problemOf(s);
  // extractCode keeps only imports and definitions, so a bare `os._exit(0)` at module level is
  // dropped; a default argument still runs at definition time, before check() is called.
  const hostile = [
    `\`\`\`python\ndef ${p.entryPoint}(*args, _=__import__("os")._exit(0)):\n    return None\n\`\`\``,
    `\`\`\`python\ndef ${p.entryPoint}(*args):\n    raise SystemExit(0)\n\`\`\``,
    `\`\`\`python\nimport sys\n\ndef ${p.entryPoint}(*args):\n    sys.exit()\n\`\`\``,
  ];
  for (const answer of hostile) {
    const score = await task.scorer(answer, s);
    assert.equal(score.correct, false, answer);
    assert.equal(score.details?.status, "failed", answer);
    assert.equal(score.details?.tests_ran_to_end, false, answer);
  }
  const good = await task.scorer("```python\n" + p.prompt + p.canonicalSolution + "```", s);
  assert.deepEqual([good.correct, good.details?.tests_ran_to_end], [true, true]);
});

Deno.test("codeScorer() marks an answer without code invalid and passes limits to the runner", async () => {
  const task = await buildTask(resolved, {
    data: LOCAL_DATA,
    runSandboxed: () => Promise.reject(new Error("must not run")),
  });
  const s = task.samples[0];
  const calls: unknown[] = [];
  const fake = (_program: string, options: unknown): Promise<SandboxResult> => {
    calls.push(options);
    return Promise.resolve({
      status: "timeout",
      exitCode: null,
      signal: "SIGKILL",
      stdout: "",
      stdoutTail: "",
      stderr: "",
      outputTruncated: false,
      durationMs: 1500,
      sandbox: "none",
    });
  };
  const scorer = codeScorer({ timeoutMs: 1500, allowUnsafe: true, run: fake });
  const empty = await scorer("", s);
  assert.deepEqual([empty.valid, empty.correct, empty.details?.status], [false, false, "no_code"]);
  const slow = await scorer(`def ${problemOf(s).entryPoint}(x):\n    while True: pass\n`, s);
  assert.deepEqual([slow.valid, slow.correct, slow.details?.status], [true, false, "timeout"]);
  assert.deepEqual(calls, [{ limits: { timeoutMs: 1500 }, allowUnsafe: true }]);
});
