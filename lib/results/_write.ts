import { basename } from "node:path";

/**
 * A results file or folder that could not be written (a read-only or full disk, a folder that
 * is a file or was removed): names the path and the operation that failed first.
 */
export class ResultsWriteError extends Error {
  /** The file or folder being written. */
  readonly path: string;
  /** What was being done, e.g. `creating its temporary file x.json.tmp-12-0`. */
  readonly operation: string;

  constructor(path: string, operation: string, cause: unknown) {
    super(`Cannot write ${path}: ${operation} failed: ${osReason(cause)}`, { cause });
    this.name = "ResultsWriteError";
    this.path = path;
    this.operation = operation;
  }
}

/** The operating system's reason of a file error, without Deno's repetition of the path. */
export function osReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.match(/^(.*?\(os error \d+\))/)?.[1] ?? text;
}

let counter = 0;

/**
 * Write a text file atomically: a temporary file beside it (`<name>.tmp-<pid>-<n>`), then a
 * rename. On any failure the temporary file is removed and a {@linkcode ResultsWriteError} names
 * the file and the step that failed.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${counter++}`;
  let step = `creating its temporary file ${basename(tmp)}`;
  try {
    await Deno.writeTextFile(tmp, text);
    step = `renaming its temporary file ${basename(tmp)} over it`;
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw new ResultsWriteError(path, step, error);
  }
}

/**
 * Create a results folder (and its parents) when missing; a path that exists as a file, or a
 * folder that cannot be created, is a {@linkcode ResultsWriteError}.
 */
export async function ensureResultsDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    const isFile = await Deno.stat(dir).then((s) => !s.isDirectory, () => false);
    throw new ResultsWriteError(
      dir,
      isFile ? "using it as a folder (it is a file)" : "creating the folder",
      error,
    );
  }
}

/**
 * Run `fn` holding an exclusive lock on a results folder (`flock` on the folder itself, so
 * nothing is left behind and a killed process releases it). Manifest updates of concurrent runs
 * in one folder take turns. Where a folder cannot be opened for locking (Windows), `fn` runs
 * unlocked.
 */
export async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  if (Deno.build.os === "windows") return await fn();
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(dir, { read: true });
  } catch (error) {
    throw new ResultsWriteError(dir, "opening the folder to lock its manifests", error);
  }
  try {
    await handle.lock(true);
    return await fn();
  } finally {
    handle.close();
  }
}
