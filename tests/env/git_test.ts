import assert from "node:assert/strict";
import { captureEnvironment } from "../../lib/env/mod.ts";

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-C", cwd, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("captureEnvironment() records the commit and dirty state of a git repository", async () => {
  const dir = await Deno.makeTempDir({ prefix: "env_git_" });
  try {
    await git(dir, "init", "-q");
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await git(dir, "add", "a.txt");
    await git(dir, "commit", "-q", "-m", "first");
    const head = await git(dir, "rev-parse", "HEAD");
    const clean = await captureEnvironment({ cwd: dir });
    assert.deepEqual(clean.git, { commit: head, dirty: false });
    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    const dirty = await captureEnvironment({ cwd: dir });
    assert.deepEqual(dirty.git, { commit: head, dirty: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("captureEnvironment() records null git facts outside a repository", async () => {
  const dir = await Deno.makeTempDir({ prefix: "env_nogit_" });
  try {
    const env = await captureEnvironment({ cwd: dir });
    assert.deepEqual(env.git, { commit: null, dirty: null });
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("captureEnvironment() sees a repository without commits as uncommitted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "env_empty_git_" });
  try {
    await git(dir, "init", "-q");
    await Deno.writeTextFile(`${dir}/new.txt`, "x\n");
    const env = await captureEnvironment({ cwd: dir });
    assert.deepEqual(env.git, { commit: null, dirty: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
