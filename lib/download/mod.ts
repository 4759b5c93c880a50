/**
 * Pinned downloads and file hashes, shared by model files (lib/backends) and datasets
 * (lib/datasets): stream a URL to a temporary file beside its destination, hash while streaming,
 * optionally convert what the source serves, check the pinned sha256, then rename into place. On
 * any failure nothing is left behind.
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";

/** A download that failed (`transfer`) or produced the wrong bytes (`checksum`); nothing was kept. */
export class DownloadError extends Error {
  readonly url: string;
  readonly kind: "transfer" | "checksum";
  constructor(url: string, kind: "transfer" | "checksum", message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DownloadError";
    this.url = url;
    this.kind = kind;
  }
}

/** Progress of one download. */
export interface DownloadProgress {
  url: string;
  receivedBytes: number;
  /** Content-Length, or the expected size; null when unknown. */
  totalBytes: number | null;
}

/** What {@linkcode downloadVerified} needs. */
export interface DownloadJob {
  url: string;
  /** Final path. */
  dest: string;
  /** Pinned sha256 of the final file. */
  sha256: string;
  /** Name in messages. @default the file name */
  label?: string;
  /** Expected size of what the URL serves (progress total without a usable Content-Length). */
  expectedBytes?: number;
  /** When the source serves something to convert: its pinned sha256 and the conversion. */
  transform?: { sha256: string; apply: (bytes: Uint8Array) => Uint8Array };
  /** Appended to a checksum error: where the user can put the file by hand. */
  hint?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Called as bytes arrive (lib never prints: the caller draws the bar). */
  onProgress?: (progress: DownloadProgress) => void;
}

/** sha256 hex digests already computed, keyed by absolute path + mtime + size. */
const known = new Map<string, string>();

function memoKey(path: string, info: Deno.FileInfo): string | undefined {
  return info.mtime === null
    ? undefined
    : `${resolve(path)}\u0000${info.mtime.getTime()}\u0000${info.size}`;
}

/** sha256 (hex) of bytes. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * sha256 (hex) of a file, streamed; remembered per path + mtime + size, so an unchanged file is
 * hashed once per process (a file without mtime every time).
 */
export async function sha256File(path: string, info?: Deno.FileInfo): Promise<string> {
  const key = memoKey(path, info ?? await Deno.stat(path));
  const hit = key === undefined ? undefined : known.get(key);
  if (hit !== undefined) return hit;
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  const hex = hash.digest("hex");
  if (key !== undefined) known.set(key, hex);
  return hex;
}

/** Record a digest computed elsewhere (e.g. while downloading) for an existing file. */
export async function rememberSha256(path: string, sha256: string): Promise<void> {
  const key = memoKey(path, await Deno.stat(path));
  if (key !== undefined) known.set(key, sha256);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, (e) => {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  });
}

/** Create `dir`; return the folders that did not exist before, deepest first. */
async function makeDirs(dir: string): Promise<string[]> {
  const created: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    created.push(d);
    if (dirname(d) === d) break;
  }
  await Deno.mkdir(dir, { recursive: true });
  return created;
}

const removeQuietly = (path: string) => Deno.remove(path).catch(() => {});

/** Download, verify and move into place; returns the sha256 of the file now at `job.dest`. */
export async function downloadVerified(job: DownloadJob): Promise<string> {
  const label = job.label ?? basename(job.dest);
  const mismatch = (expected: string, actual: string, note = "") =>
    new DownloadError(
      job.url,
      "checksum",
      `Checksum mismatch for ${label} downloaded from ${job.url}${note}: expected sha256 ${expected}, ` +
        `actual ${actual}; nothing was written to the cache.${job.hint ? ` ${job.hint}` : ""}`,
    );
  const dir = dirname(job.dest);
  const created = await makeDirs(dir);
  const temp = await Deno.makeTempFile({ dir, prefix: `.${basename(job.dest)}.`, suffix: ".part" });
  try {
    let response: Response;
    try {
      response = await (job.fetch ?? fetch)(job.url, { signal: job.signal });
    } catch (error) {
      if (job.signal?.aborted) throw error;
      throw new DownloadError(
        job.url,
        "transfer",
        `Cannot download ${job.url}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadError(
        job.url,
        "transfer",
        `Cannot download ${job.url}: HTTP ${response.status} ${response.statusText}`.trim(),
      );
    }
    // With a Content-Encoding the header counts compressed bytes, not what the body yields.
    const header = Number(response.headers.get("content-length") ?? NaN);
    const total = !response.headers.has("content-encoding") && header > 0
      ? header
      : job.expectedBytes ?? null;
    const hash = createHash("sha256");
    let received = 0;
    job.onProgress?.({ url: job.url, receivedBytes: 0, totalBytes: total });
    const file = await Deno.open(temp, { write: true, truncate: true });
    try {
      await response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash.update(chunk);
            received += chunk.byteLength;
            job.onProgress?.({ url: job.url, receivedBytes: received, totalBytes: total });
            controller.enqueue(chunk);
          },
        }),
      ).pipeTo(file.writable);
    } catch (error) {
      if (job.signal?.aborted) throw error;
      throw new DownloadError(
        job.url,
        "transfer",
        `Download of ${job.url} broke off: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const served = hash.digest("hex");
    let final = served;
    if (job.transform) {
      if (served !== job.transform.sha256) {
        throw mismatch(job.transform.sha256, served, " (the source it is converted from)");
      }
      const converted = job.transform.apply(await Deno.readFile(temp));
      final = sha256Bytes(converted);
      if (final === job.sha256) await Deno.writeFile(temp, converted);
    }
    if (final !== job.sha256) {
      throw mismatch(job.sha256, final, job.transform ? " (after conversion)" : "");
    }
    await Deno.rename(temp, job.dest);
    await rememberSha256(job.dest, final);
    return final;
  } catch (error) {
    await removeQuietly(temp);
    for (const d of created) await removeQuietly(d);
    throw error;
  }
}

/** The user cache folder for this tool: `$XDG_CACHE_HOME/edge-slm-bench`, else per platform under HOME. */
export function userCacheDir(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/edge-slm-bench`;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  return Deno.build.os === "darwin"
    ? `${home}/Library/Caches/edge-slm-bench`
    : `${home}/.cache/edge-slm-bench`;
}
