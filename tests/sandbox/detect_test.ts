import assert from "node:assert/strict";
import {
  detectSandbox,
  probeSandbox,
  sandboxCandidates,
  type SandboxKind,
} from "../../lib/sandbox/mod.ts";
import { requireSandbox } from "./_helpers.ts";

Deno.test("sandboxCandidates() tries bwrap then unshare on Linux, sandbox-exec on macOS", () => {
  assert.deepEqual(sandboxCandidates("linux"), ["bwrap", "unshare"]);
  assert.deepEqual(sandboxCandidates("darwin"), ["sandbox-exec"]);
  assert.deepEqual(sandboxCandidates("windows"), []);
});

Deno.test("detectSandbox() returns the first candidate whose probe works", async () => {
  const tried: SandboxKind[] = [];
  const failures: string[] = [];
  const kind = await detectSandbox({
    platform: "linux",
    probe: (candidate) => {
      tried.push(candidate);
      return Promise.resolve(candidate === "unshare" ? true : "bwrap: command not found");
    },
    onFailure: (candidate, reason) => failures.push(`${candidate}: ${reason}`),
  });
  assert.equal(kind, "unshare");
  assert.deepEqual(tried, ["bwrap", "unshare"]);
  assert.deepEqual(failures, ["bwrap: bwrap: command not found"]);
});

Deno.test("detectSandbox() returns null when no probe works", async () => {
  const kind = await detectSandbox({ platform: "darwin", probe: () => Promise.resolve("no") });
  assert.equal(kind, null);
  assert.equal(
    await detectSandbox({ platform: "windows", probe: () => Promise.resolve(true) }),
    null,
  );
});

Deno.test("detectSandbox() finds the preferred sandbox of this machine", async () => {
  const preferred = sandboxCandidates(Deno.build.os)[0];
  assert.ok(preferred, `no sandbox is supported on ${Deno.build.os}`);
  await requireSandbox(preferred);
  assert.equal(await detectSandbox(), preferred);
});

Deno.test("probeSandbox() explains why a sandbox of another platform does not work", async () => {
  const foreign: SandboxKind = Deno.build.os === "darwin" ? "bwrap" : "sandbox-exec";
  const result = await probeSandbox(foreign);
  assert.equal(typeof result, "string");
  assert.match(String(result), new RegExp(`'${foreign}' was not found`));
});
