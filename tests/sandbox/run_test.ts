import assert from "node:assert/strict";
import {
  DEFAULT_SANDBOX_LIMITS,
  PythonNotFoundError,
  resolveLimits,
  runPythonSandboxed,
  SandboxUnavailableError,
} from "../../lib/sandbox/mod.ts";
import { listNames, platformKinds, requireSandbox } from "./_helpers.ts";

const KIND = platformKinds()[0];

Deno.test("resolveLimits() fills the documented defaults", () => {
  assert.deepEqual(resolveLimits(), {
    timeoutMs: 10_000,
    memoryBytes: 512 * 1024 * 1024,
    maxProcesses: 32,
    maxOutputBytes: 64 * 1024,
  });
  assert.deepEqual(resolveLimits({ timeoutMs: 5 }), { ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 5 });
});

Deno.test("resolveLimits() rejects a limit that is not a positive integer", () => {
  assert.throws(
    () => resolveLimits({ maxProcesses: 0 }),
    (error) =>
      error instanceof RangeError &&
      error.message === "Cannot run the sandbox: limit 'maxProcesses' must be a positive " +
          "integer: current value is 0",
  );
});

Deno.test("runPythonSandboxed() throws SandboxUnavailableError when no sandbox is detected", async () => {
  let detected = 0;
  await assert.rejects(
    () =>
      runPythonSandboxed("print(1)", {
        detect: () => {
          detected++;
          return Promise.resolve(null);
        },
      }),
    (error) =>
      error instanceof SandboxUnavailableError &&
      error.name === "SandboxUnavailableError" &&
      error.message.startsWith(
        `Cannot run model-written code: no sandbox is available on ` +
          `${Deno.build.os}: `,
      ) &&
      error.message.endsWith("or pass --unsafe-no-sandbox to run it without isolation"),
  );
  assert.equal(detected, 1);
});

Deno.test("runPythonSandboxed() runs without isolation when none is detected and allowUnsafe is set", async () => {
  const result = await runPythonSandboxed("print('unsafe ok')", {
    detect: () => Promise.resolve(null),
    allowUnsafe: true,
  });
  assert.equal(result.sandbox, "none");
  assert.equal(result.status, "passed", result.stderr);
  assert.equal(result.stdout, "unsafe ok\n");
});

Deno.test("runPythonSandboxed() refuses sandbox 'none' without allowUnsafe", async () => {
  await assert.rejects(
    () => runPythonSandboxed("print(1)", { sandbox: "none" }),
    (error) =>
      error instanceof TypeError &&
      error.message === "Cannot run without a sandbox: sandbox 'none' needs allowUnsafe: true " +
          "(the --unsafe-no-sandbox flag): current value is undefined",
  );
});

Deno.test("runPythonSandboxed() uses the detected sandbox and reports it", async () => {
  await requireSandbox(KIND);
  const result = await runPythonSandboxed("print(6 * 7)", { detect: () => Promise.resolve(KIND) });
  assert.deepEqual(
    { status: result.status, exitCode: result.exitCode, signal: result.signal },
    { status: "passed", exitCode: 0, signal: null },
  );
  assert.equal(result.stdout, "42\n");
  assert.equal(result.stderr, "");
  assert.equal(result.sandbox, KIND);
  assert.ok(result.durationMs > 0);
});

Deno.test("runPythonSandboxed() reports a non-zero exit and a syntax error as failed", async () => {
  await requireSandbox(KIND);
  const exit = await runPythonSandboxed("import sys\nprint('out')\nsys.exit(3)", { sandbox: KIND });
  assert.equal(exit.status, "failed");
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.stdout, "out\n");
  const syntax = await runPythonSandboxed("def (", { sandbox: KIND });
  assert.equal(syntax.status, "failed");
  assert.match(syntax.stderr, /SyntaxError/);
});

Deno.test("runPythonSandboxed() cuts stdout and stderr to maxOutputBytes", async () => {
  await requireSandbox(KIND);
  const program = "import sys\nsys.stdout.write('o' * 100000)\nsys.stderr.write('é' * 100000)";
  const result = await runPythonSandboxed(program, {
    sandbox: KIND,
    limits: { maxOutputBytes: 1001 },
  });
  assert.equal(result.status, "passed");
  assert.equal(result.stdout, "o".repeat(1001));
  // 1001 bytes of two-byte characters: 500 whole ones and one cut (replacement character).
  assert.equal(result.stderr, `${"é".repeat(500)}\ufffd`);
  assert.equal(result.outputTruncated, true);
});

Deno.test("runPythonSandboxed() gives the program only a minimal environment", async () => {
  await requireSandbox(KIND);
  const program = "import json, os\nprint(json.dumps(sorted(os.environ)))";
  const result = await runPythonSandboxed(program, { sandbox: KIND });
  assert.equal(result.status, "passed", result.stderr);
  const names: string[] = JSON.parse(result.stdout);
  const allowed = ["HOME", "LANG", "LC_ALL", "LC_CTYPE", "OLDPWD", "PATH", "PWD", "TMPDIR"];
  assert.deepEqual(names.filter((name) => !allowed.includes(name)), []);
  assert.ok(names.includes("PATH") && names.includes("HOME"));
});

Deno.test("runPythonSandboxed() lets the program write its folder, /tmp and /dev/null, then cleans up", async () => {
  await requireSandbox(KIND);
  const parent = await Deno.makeTempDir({ prefix: "edge-sandbox-parent-" });
  try {
    const program = [
      "import os, tempfile",
      "open('result.txt', 'w').write('ok')",
      "with tempfile.NamedTemporaryFile('w') as handle:",
      "    handle.write('scratch')",
      "open('/dev/null', 'w').write('discarded')",
      "print(open('result.txt').read(), os.path.basename(os.getcwd()) != '')",
    ].join("\n");
    const result = await runPythonSandboxed(program, { sandbox: KIND, tempDir: parent });
    assert.equal(result.status, "passed", result.stderr);
    assert.equal(result.stdout, "ok True\n");
    assert.deepEqual(await listNames(parent), []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("runPythonSandboxed() reports status error when the sandbox cannot be built", async () => {
  const missing = Deno.build.os === "darwin" ? "bwrap" : "sandbox-exec";
  const result = await runPythonSandboxed("print(1)", { sandbox: missing });
  assert.equal(result.status, "error");
  assert.equal(result.sandbox, missing);
  assert.match(result.stderr, new RegExp(`^Cannot build the sandbox: '${missing}' was not found`));
});

Deno.test("runPythonSandboxed() throws PythonNotFoundError for a missing interpreter", async () => {
  await assert.rejects(
    () =>
      runPythonSandboxed("print(1)", {
        sandbox: "none",
        allowUnsafe: true,
        python: "/nonexistent/python3",
      }),
    (error) =>
      error instanceof PythonNotFoundError &&
      error.message.startsWith("Cannot use Python interpreter '/nonexistent/python3': "),
  );
});

Deno.test("runPythonSandboxed() kills the program and rejects when aborted", async () => {
  await requireSandbox(KIND);
  const controller = new AbortController();
  const start = performance.now();
  setTimeout(() => controller.abort(new Error("stop")), 300);
  await assert.rejects(
    () =>
      runPythonSandboxed("import time\ntime.sleep(30)", {
        sandbox: KIND,
        signal: controller.signal,
      }),
    (error) => error instanceof Error && error.message === "stop",
  );
  assert.ok(performance.now() - start < 5000);
});
