/** What the environment records about LM Studio: CLI version and whether the server answers. @module */
import { type CommandRunner, stdoutOf } from "./_io.ts";

/**
 * The version `lms version` prints: the first x.y.z token (ANSI colours removed), else its first
 * non-blank line (newer CLIs print a commit hash), else null. This is the CLI's version, which
 * LM Studio ships with the app; it is not the app's own version number.
 */
export function parseLmsVersion(text: string): string | null {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  const semver = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b/.exec(plain);
  if (semver) return semver[1];
  const line = plain.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line ? line.slice(0, 120) : null;
}

/** Ask `lms version` on PATH, then `~/.lmstudio/bin/lms`; null when neither answers. */
export async function lmsVersion(run: CommandRunner, home: string | null): Promise<string | null> {
  const candidates = ["lms"];
  if (home) candidates.push(`${home.replace(/\/$/, "")}/.lmstudio/bin/lms`);
  for (const cmd of candidates) {
    const out = await stdoutOf(run, cmd, ["version"]);
    const version = out === null ? null : parseLmsVersion(out);
    if (version) return version;
  }
  return null;
}

/** True when GET `<base>/v1/models` answers 200 within `timeoutMs`; never throws. */
export async function lmstudioReachable(base: URL, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL("/v1/models", base), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
