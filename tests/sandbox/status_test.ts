import assert from "node:assert/strict";
import { classify, type StatusFacts } from "../../lib/sandbox/_status.ts";

const BASE: StatusFacts = {
  timedOut: false,
  memoryExceeded: false,
  started: true,
  exitCode: 0,
  signal: null,
  stderrTail: "",
};

Deno.test("classify() reads exit 0 as passed and another exit as failed", () => {
  assert.equal(classify(BASE), "passed");
  assert.equal(classify({ ...BASE, exitCode: 1, stderrTail: "AssertionError\n" }), "failed");
  assert.equal(classify({ ...BASE, exitCode: null, signal: "SIGSEGV" }), "failed");
});

Deno.test("classify() puts a timeout and the memory watch before everything else", () => {
  assert.equal(classify({ ...BASE, timedOut: true, started: false }), "timeout");
  assert.equal(classify({ ...BASE, memoryExceeded: true, exitCode: null }), "memory");
  assert.equal(classify({ ...BASE, exitCode: null, signal: "SIGXCPU" }), "timeout");
});

Deno.test("classify() reads a MemoryError as the last traceback line as memory", () => {
  const tail = 'Traceback (most recent call last):\n  File "main.py", line 1\nMemoryError\n\n';
  assert.equal(classify({ ...BASE, exitCode: 1, stderrTail: tail }), "memory");
  assert.equal(
    classify({ ...BASE, exitCode: 1, stderrTail: "OSError: [Errno 12] Cannot allocate memory" }),
    "memory",
  );
  // A MemoryError caught earlier and followed by a failed assertion is a failure.
  assert.equal(
    classify({ ...BASE, exitCode: 1, stderrTail: "MemoryError\nAssertionError\n" }),
    "failed",
  );
});

Deno.test("classify() reads a program that never started as error", () => {
  assert.equal(classify({ ...BASE, started: false }), "error");
  assert.equal(classify({ ...BASE, started: false, exitCode: 1 }), "error");
});
