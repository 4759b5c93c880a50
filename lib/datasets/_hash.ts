import { createHash } from "node:crypto";
import { resolve } from "node:path";

/** sha256 hex digests already computed, keyed by absolute path + mtime + size. */
const verified = new Map<string, string>();

function memoKey(path: string, info: Deno.FileInfo): string | undefined {
  if (info.mtime === null) return undefined;
  return `${resolve(path)}\u0000${info.mtime.getTime()}\u0000${info.size}`;
}

/** sha256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * sha256 (hex) of a file, streamed. Remembered in memory per path + mtime + size, so an unchanged
 * file is hashed once per process; a file without mtime is hashed every time.
 */
export async function sha256OfFile(path: string, info: Deno.FileInfo): Promise<string> {
  const key = memoKey(path, info);
  const known = key === undefined ? undefined : verified.get(key);
  if (known !== undefined) return known;
  const hash = createHash("sha256");
  // Reading `readable` to the end (or breaking out of it) closes the file.
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  const hex = hash.digest("hex");
  if (key !== undefined) verified.set(key, hex);
  return hex;
}

/** Record a digest computed elsewhere (e.g. while downloading) for an existing file. */
export async function rememberSha256(path: string, sha256: string): Promise<void> {
  const key = memoKey(path, await Deno.stat(path));
  if (key !== undefined) verified.set(key, sha256);
}
