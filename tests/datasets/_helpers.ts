import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import {
  type DatasetManifest,
  loadDatasetManifest,
  type ResolveDatasetOptions,
} from "../../lib/datasets/mod.ts";

import { DATA_DIR } from "../helpers/mod.ts";

export { DATA_DIR };

/** Resolve from the shipped data/datasets only: no environment, no cache, no network. */
export const LOCAL: ResolveDatasetOptions = {
  dataDir: DATA_DIR,
  env: () => undefined,
  download: false,
};

/** sha256 hex of bytes or text. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Bytes of a shipped dataset file. */
export function shippedBytes(dataset: string, file: string): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(join(DATA_DIR, dataset, file));
}

/** Run `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-datasets-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Write bytes at `<root>/<dataset>/<file>`, creating folders. */
export async function writeDatasetFile(
  root: string,
  dataset: string,
  file: string,
  bytes: Uint8Array | string,
): Promise<string> {
  const path = join(root, dataset, file);
  await Deno.mkdir(dirname(path), { recursive: true });
  if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
  else await Deno.writeFile(path, bytes);
  return path;
}

/** Every entry (files and folders) under `dir`, relative, sorted. */
export async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    out.push(entry.isDirectory ? `${rel}/` : rel);
    if (entry.isDirectory) out.push(...await listTree(join(dir, entry.name), `${rel}/`));
  }
  return out.sort();
}

/**
 * A copy of the real manifest where one file's sha256 and size are those of `bytes`, so that a
 * deliberately malformed copy of a real file passes the checksum and reaches the parser.
 */
export async function manifestAccepting(
  dataset: string,
  file: string,
  bytes: Uint8Array | string,
): Promise<DatasetManifest> {
  const copy: DatasetManifest = structuredClone(await loadDatasetManifest());
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const entry = copy.datasets[dataset].files.find((f) => f.path === file);
  if (!entry) throw new Error(`no ${dataset}/${file} in the manifest`);
  entry.sha256 = sha256(data);
  entry.size_bytes = data.byteLength;
  return copy;
}

/**
 * Write a modified copy of a real file into a temp data folder and return loader options that
 * accept it (manifest patched to its sha256); other files of the dataset still come from
 * the shipped data/datasets. Used to feed malformed input to the parsers.
 */
export async function malformedCopy(
  root: string,
  dataset: string,
  file: string,
  bytes: Uint8Array | string,
): Promise<ResolveDatasetOptions> {
  await writeDatasetFile(root, dataset, file, bytes);
  return {
    dataDir: root,
    env: () => undefined,
    download: false,
    manifest: await manifestAccepting(dataset, file, bytes),
  };
}
