/**
 * Pinned downloads: stream a URL to a file, verify its sha256, then move it into place atomically.
 * Shared by model files (lib/backends) and datasets (lib/datasets).
 * @module
 */
import { dirname } from "node:path";

/** A download that failed or produced the wrong bytes; nothing is left at the destination. */
export class DownloadError extends Error {
  readonly url: string;
  constructor(url: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DownloadError";
    this.url = url;
  }
}

/** Progress of one download. */
export interface DownloadProgress {
  url: string;
  receivedBytes: number;
  /** From Content-Length; null when the server does not say. */
  totalBytes: number | null;
}

/** Options for {@linkcode downloadVerified}. */
export interface DownloadOptions {
  /** Expected lower-case hex sha256 of the file. */
  sha256: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called as bytes arrive (lib never prints: the caller draws the bar). @default none */
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** Hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Download `url` to `dest` through a temporary file, verifying the pinned sha256 first. */
export async function downloadVerified(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  await Deno.mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.partial-${Deno.pid}`;
  try {
    let res: Response;
    try {
      res = await doFetch(url, { signal: options.signal });
    } catch (error) {
      throw new DownloadError(url, `Cannot download ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new DownloadError(url, `Cannot download ${url}: HTTP ${res.status}`);
    }
    const total = Number(res.headers.get("content-length")) || null;
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    let received = 0;
    const file = await Deno.open(tmp, { create: true, write: true, truncate: true });
    try {
      for await (const chunk of res.body) {
        hash.update(chunk);
        received += chunk.length;
        for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
        options.onProgress?.({ url, receivedBytes: received, totalBytes: total });
      }
    } catch (error) {
      throw new DownloadError(url, `Download of ${url} broke off: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      file.close();
    }
    const actual = hash.digest("hex");
    if (actual !== options.sha256) {
      throw new DownloadError(
        url,
        `Checksum mismatch for ${url}: expected sha256 ${options.sha256}, got ${actual}; the file was discarded`,
      );
    }
    await Deno.rename(tmp, dest);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** The user cache folder for this tool: `$XDG_CACHE_HOME/edge-slm-bench` or `~/.cache/edge-slm-bench`. */
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
