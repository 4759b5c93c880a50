/** The git commit and dirty state of a working directory. @module */
import type { Environment } from "./_schema.ts";
import { type CommandRunner, stdoutOf, trimmedOrNull } from "./_io.ts";

/**
 * `git -C <cwd> rev-parse HEAD` and `git status --porcelain` (untracked files make it dirty);
 * commit is null outside a repository and before the first commit, dirty null outside one.
 */
export async function captureGit(run: CommandRunner, cwd: string): Promise<Environment["git"]> {
  const [head, status] = await Promise.all([
    stdoutOf(run, "git", ["-C", cwd, "rev-parse", "--verify", "--quiet", "HEAD"]),
    stdoutOf(run, "git", ["-C", cwd, "status", "--porcelain"]),
  ]);
  const commit = trimmedOrNull(head);
  return {
    commit: commit !== null && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit) ? commit : null,
    dirty: status === null ? null : status.trim().length > 0,
  };
}
