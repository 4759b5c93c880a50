import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { deriveBytes, type DeriveKind } from "./_derive.ts";
import { sha256Hex } from "./_hash.ts";
import { DatasetError } from "./errors.ts";

/** What {@linkcode downloadVerified} needs. */
export interface DownloadJob {
  /** `dataset/file`, for messages. */
  label: string;
  url: string;
  /** Final path in the cache. */
  dest: string;
  /** Pinned sha256 of the final file. */
  sha256: string;
  /** Expected size of what the URL serves (progress total when there is no usable Content-Length). */
  servedBytes: number;
  /** When the URL serves something to convert: its pinned sha256 and the conversion. */
  derive?: { kind: DeriveKind; sha256: string };
  /** Advice appended to a checksum error: where the user can put the file by hand. */
  hint: string;
  fetch: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Create `dir` and return the folders that did not exist before, deepest first. */
async function makeDirs(dir: string): Promise<string[]> {
  const created: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    created.push(d);
    if (dirname(d) === d) break;
  }
  await Deno.mkdir(dir, { recursive: true });
  return created;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone, or a folder another download is now using.
  }
}

function mismatch(job: DownloadJob, expected: string, actual: string, note = ""): DatasetError {
  return new DatasetError(
    `Checksum mismatch for ${job.label} downloaded from ${job.url}${note}: expected sha256 ` +
      `${expected}, actual ${actual}; nothing was written to the cache. ${job.hint}`,
  );
}

/**
 * Stream `job.url` into a temp file beside `job.dest`, hashing as it goes; convert it when
 * `job.derive` says so; check the pinned sha256; then rename it into place atomically. On any
 * failure the temp file and the folders made for it are removed. Network and HTTP failures throw
 * plain errors (the caller words them); checksum failures throw {@linkcode DatasetError}.
 * Returns the sha256 of the file now at `job.dest`.
 */
export async function downloadVerified(job: DownloadJob): Promise<string> {
  const dir = dirname(job.dest);
  const created = await makeDirs(dir);
  const temp = await Deno.makeTempFile({ dir, prefix: `.${basename(job.dest)}.`, suffix: ".part" });
  try {
    const response = await job.fetch(job.url, { signal: job.signal });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    // With a Content-Encoding the header counts compressed bytes, not what the body yields.
    const header = Number(response.headers.get("content-length") ?? NaN);
    const total = !response.headers.has("content-encoding") && header > 0
      ? header
      : job.servedBytes;
    const hash = createHash("sha256");
    let received = 0;
    job.onProgress?.(0, total);
    const file = await Deno.open(temp, { write: true, truncate: true });
    await response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          received += chunk.byteLength;
          job.onProgress?.(received, total);
          controller.enqueue(chunk);
        },
      }),
    ).pipeTo(file.writable);
    const served = hash.digest("hex");
    let final = served;
    if (job.derive) {
      if (served !== job.derive.sha256) {
        throw mismatch(job, job.derive.sha256, served, " (the source it is converted from)");
      }
      const converted = deriveBytes(job.derive.kind, await Deno.readFile(temp), job.url);
      final = sha256Hex(converted);
      if (final === job.sha256) await Deno.writeFile(temp, converted);
    }
    if (final !== job.sha256) {
      throw mismatch(job, job.sha256, final, job.derive ? " (after conversion)" : "");
    }
    await Deno.rename(temp, job.dest);
    return final;
  } catch (error) {
    await removeQuietly(temp);
    for (const d of created) await removeQuietly(d);
    throw error;
  }
}
