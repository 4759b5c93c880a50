import assert from "node:assert/strict";
import { SandboxUnavailableError } from "../../lib/sandbox/mod.ts";

Deno.test("SandboxUnavailableError on Linux says to install bubblewrap and names the unsafe flag", () => {
  const error = new SandboxUnavailableError("linux", ["bwrap: not found", "unshare: exit 1"]);
  assert.equal(error.name, "SandboxUnavailableError");
  assert.equal(error.platform, "linux");
  assert.equal(
    error.message,
    "Cannot run model-written code: no sandbox is available on linux (bwrap: not found; " +
      "unshare: exit 1): install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; " +
      "Fedora: dnf install bubblewrap; Arch: pacman -S bubblewrap) and allow user namespaces " +
      "(sysctl kernel.unprivileged_userns_clone=1 where that setting exists), or pass " +
      "--unsafe-no-sandbox to run it without isolation",
  );
  assert.deepEqual(error.cause, ["bwrap: not found", "unshare: exit 1"]);
});

Deno.test("SandboxUnavailableError on macOS says sandbox-exec is built in", () => {
  const error = new SandboxUnavailableError("darwin");
  assert.equal(
    error.message,
    "Cannot run model-written code: no sandbox is available on darwin: sandbox-exec is built " +
      "into macOS at /usr/bin/sandbox-exec; check that it exists and runs, or pass " +
      "--unsafe-no-sandbox to run it without isolation",
  );
  assert.equal(error.cause, undefined);
});
