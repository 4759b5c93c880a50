import { basename, dirname, join } from "node:path";
import { PROJECT_ROOT } from "../config/mod.ts";
import { DownloadError, downloadVerified, sha256File } from "../download/mod.ts";
import { deriveBytes } from "./_derive.ts";
import { DatasetError } from "./errors.ts";
import { type DatasetManifest, findDatasetFile, loadDatasetManifest } from "./manifest.ts";

/** Environment variable naming a folder of datasets laid out as data/datasets (`<dataset>/<file>`). */
export const DATA_DIR_ENV = "EDGE_BENCH_DATA_DIR";

/** The datasets the repository ships, laid out `<dataset>/<file>` (see data/datasets/SOURCE.md). */
export const SHIPPED_DATA_DIR: string = join(PROJECT_ROOT, "data", "datasets");

/** Download progress of one dataset file. */
export interface DatasetDownloadProgress {
  dataset: string;
  file: string;
  receivedBytes: number;
  /** From Content-Length, else the size in the manifest. */
  totalBytes: number | undefined;
}

/** Where a resolved file was found. */
export type DatasetFileOrigin = "dataDir" | "env" | "shipped" | "cache" | "download";

/** A dataset file on disk whose sha256 matches the manifest. */
export interface ResolvedDatasetFile {
  dataset: string;
  /** Path relative to the dataset folder, as in the manifest. */
  file: string;
  /** Absolute or caller-relative path of the verified file. */
  path: string;
  origin: DatasetFileOrigin;
  sha256: string;
  /** Where the file is downloaded from. */
  url: string;
}

/** Options for {@linkcode resolveDatasetFile} (and every loader). */
export interface ResolveDatasetOptions {
  /** A folder laid out as data/datasets (`<dataset>/<file>`, from a flag or config), looked in first. @default undefined */
  dataDir?: string;
  /**
   * The datasets shipped in the repository, looked in after `EDGE_BENCH_DATA_DIR`; null skips them.
   * @default SHIPPED_DATA_DIR
   */
  shippedDir?: string | null;
  /** Environment lookup for `EDGE_BENCH_DATA_DIR`, `XDG_CACHE_HOME` and `HOME`. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /**
   * User cache, looked in after the other folders; downloads land here.
   * @default `$XDG_CACHE_HOME/edge-slm-bench/datasets`, else `$HOME/.cache/edge-slm-bench/datasets`
   */
  cacheDir?: string;
  /** Download a file found nowhere into the cache; `false` fails without network. @default true */
  download?: boolean;
  /** The fetch used for downloads. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called as download bytes arrive (lib never prints). @default undefined */
  onProgress?: (progress: DatasetDownloadProgress) => void;
  /** Aborts a download. @default undefined */
  signal?: AbortSignal;
  /** The manifest with sources and checksums. @default the parsed data/datasets/manifest.yaml */
  manifest?: DatasetManifest;
}

/** The default user cache for datasets, or undefined when neither XDG_CACHE_HOME nor HOME is set. */
export function defaultDatasetCacheDir(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string | undefined {
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "edge-slm-bench", "datasets");
  const home = env("HOME") || env("USERPROFILE");
  return home ? join(home, ".cache", "edge-slm-bench", "datasets") : undefined;
}

const ORIGIN_LABELS: Record<DatasetFileOrigin, string> = {
  dataDir: "dataDir option",
  env: DATA_DIR_ENV,
  shipped: "shipped with the repository",
  cache: "user cache",
  download: "download",
};

async function statFile(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Find a dataset file and check it against its pinned sha256. Looks in `options.dataDir`, then
 * `$EDGE_BENCH_DATA_DIR`, then the repository's own `data/datasets/`, then the user cache (each
 * `<folder>/<dataset>/<file>`), then downloads
 * it from the manifest URL into the cache (temp file, sha256 check, atomic rename). A local file
 * with the wrong sha256 throws {@linkcode DatasetError}; so does a miss that cannot be downloaded,
 * with a message listing the places looked at and saying which file to put where. Hashes are
 * remembered per path + mtime + size, so repeated calls do not re-read unchanged files.
 *
 * @example
 * ```ts ignore
 * const { path } = await resolveDatasetFile("banking77", "test.csv", { download: false });
 * ```
 */
export async function resolveDatasetFile(
  dataset: string,
  file: string,
  options: ResolveDatasetOptions = {},
): Promise<ResolvedDatasetFile> {
  const manifest = options.manifest ?? await loadDatasetManifest();
  const entry = findDatasetFile(manifest, dataset, file).file;
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const label = `${dataset}/${file}`;
  const name = basename(file);

  const roots: { origin: DatasetFileOrigin; root: string }[] = [];
  if (options.dataDir) roots.push({ origin: "dataDir", root: options.dataDir });
  const envDir = env(DATA_DIR_ENV);
  if (envDir) roots.push({ origin: "env", root: envDir });
  const shipped = options.shippedDir === undefined ? SHIPPED_DATA_DIR : options.shippedDir;
  if (shipped) roots.push({ origin: "shipped", root: shipped });
  const cacheDir = options.cacheDir ?? defaultDatasetCacheDir(env);
  if (cacheDir) roots.push({ origin: "cache", root: cacheDir });

  const looked: string[] = [];
  for (const { origin, root } of roots) {
    const path = join(root, dataset, file);
    looked.push(`${path} (${ORIGIN_LABELS[origin]})`);
    const info = await statFile(path);
    if (!info) continue;
    const actual = await sha256File(path, info);
    if (actual !== entry.sha256) {
      throw new DatasetError(
        `Checksum mismatch for ${label} at ${path} (${ORIGIN_LABELS[origin]}): expected sha256 ` +
          `${entry.sha256}, actual ${actual}. Put the original ${name} from ${entry.url} at ${path}` +
          (origin === "cache" ? ", or delete it so that it is downloaded again." : "."),
      );
    }
    return { dataset, file, path, origin, sha256: actual, url: entry.url };
  }

  const targetDir = roots.length > 0
    ? `${dirname(join(roots[0].root, dataset, file))}/`
    : `<data folder>/${dirname(join(dataset, file))}/`;
  const hint = `Put ${name} (sha256 ${entry.sha256}, from ${entry.url}) into ${targetDir} or set ` +
    `${DATA_DIR_ENV} to a folder laid out as data/datasets that holds ${label}.`;
  const miss = (why: string, cause?: unknown) =>
    new DatasetError(
      `Cannot find dataset file ${label}. Looked in: ${
        looked.length > 0 ? looked.join("; ") : "nowhere (no dataDir, no " + DATA_DIR_ENV +
          ", no cache folder)"
      }. ${why}. ${hint}`,
      { cause },
    );

  if (options.download === false) throw miss("Downloads are disabled (download: false)");
  if (!cacheDir) {
    throw miss("No download: no cache folder is known (set XDG_CACHE_HOME or HOME, or cacheDir)");
  }
  const dest = join(cacheDir, dataset, file);
  try {
    const derive = entry.derive;
    const sha256 = await downloadVerified({
      label,
      url: entry.url,
      dest,
      sha256: entry.sha256,
      expectedBytes: derive?.size_bytes ?? entry.size_bytes,
      transform: derive
        ? { sha256: derive.sha256, apply: (bytes) => deriveBytes(derive.kind, bytes, entry.url) }
        : undefined,
      hint,
      fetch: options.fetch ?? globalThis.fetch,
      signal: options.signal,
      onProgress: options.onProgress &&
        ((p) =>
          options.onProgress?.({
            dataset,
            file,
            receivedBytes: p.receivedBytes,
            totalBytes: p.totalBytes ?? undefined,
          })),
    });
    return { dataset, file, path: dest, origin: "download", sha256, url: entry.url };
  } catch (error) {
    if (error instanceof DownloadError && error.kind === "checksum") {
      throw new DatasetError(error.message, { cause: error });
    }
    if (options.signal?.aborted) throw options.signal.reason;
    const detail = ((error as Error)?.message ?? String(error)).replace(
      `Cannot download ${entry.url}: `,
      "",
    );
    // The network's own error is the cause worth keeping (a DownloadError only wraps it).
    throw miss(
      `Downloading ${entry.url} failed: ${detail}`,
      error instanceof DownloadError ? error.cause ?? error : error,
    );
  }
}
