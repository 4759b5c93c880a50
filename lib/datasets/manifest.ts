import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DatasetError } from "./errors.ts";

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

/** A relative path inside a dataset folder, using `/` and never leaving the folder. */
const RelativePathSchema = z.string().min(1).refine(
  (p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").some((s) => s === ".." || !s),
  "must be a relative path inside the dataset folder",
);

/** How a file is rebuilt from what its URL serves (when the URL does not serve it as is). */
export const DatasetDeriveSchema = z.object({
  /** The conversion to apply. */
  kind: z.literal("cnn_dailymail_csv_to_jsonl"),
  /** sha256 of what the URL serves, checked before converting. */
  sha256: Sha256Schema,
  /** Size in bytes of what the URL serves. */
  size_bytes: z.number().int().positive(),
});

/** One file of a dataset, as listed in `data/datasets/manifest.yaml`. */
export const DatasetFileSchema = z.object({
  path: RelativePathSchema,
  url: z.url({ protocol: /^https?$/ }),
  sha256: Sha256Schema,
  size_bytes: z.number().int().positive(),
  rows: z.number().int().nonnegative().nullable(),
  derive: DatasetDeriveSchema.optional(),
});

/** One dataset: provenance, licence, citation and files. */
export const DatasetEntrySchema = z.object({
  title: z.string().min(1),
  source: z.url(),
  license: z.string().min(1),
  license_url: z.url(),
  commercial_use: z.boolean(),
  license_notes: z.string().optional(),
  citation: z.string().min(1),
  files: z.array(DatasetFileSchema).min(1),
});

/** The whole dataset manifest. */
export const DatasetManifestSchema = z.object({
  version: z.literal(1),
  datasets: z.record(z.string().regex(/^[a-z0-9_]+$/), DatasetEntrySchema),
});

/** A dataset file entry. */
export type DatasetFile = z.output<typeof DatasetFileSchema>;
/** A dataset entry. */
export type DatasetEntry = z.output<typeof DatasetEntrySchema>;
/** The parsed manifest. */
export type DatasetManifest = z.output<typeof DatasetManifestSchema>;

/** Where the project's manifest lives: `data/datasets/manifest.yaml`. */
export const DEFAULT_MANIFEST_URL: URL = new URL(
  "../../data/datasets/manifest.yaml",
  import.meta.url,
);

/** Options for {@linkcode loadDatasetManifest}. */
export interface LoadDatasetManifestOptions {
  /** The manifest file to read. @default DEFAULT_MANIFEST_URL */
  path?: string | URL;
}

const cache = new Map<string, Promise<DatasetManifest>>();

/** Parse and validate manifest YAML text; `where` names the source in error messages. */
export function parseDatasetManifest(text: string, where: string): DatasetManifest {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new DatasetError(`Cannot parse dataset manifest ${where}: invalid YAML`, {
      cause: error,
    });
  }
  const result = DatasetManifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DatasetError(
      `Cannot load dataset manifest ${where}: '${
        issue.path.join(".") || "(root)"
      }' ${issue.message}`,
      { cause: result.error },
    );
  }
  return result.data;
}

/** Read and validate the dataset manifest (memoized per path). */
export function loadDatasetManifest(
  options: LoadDatasetManifestOptions = {},
): Promise<DatasetManifest> {
  const url = options.path ?? DEFAULT_MANIFEST_URL;
  const key = String(url);
  let pending = cache.get(key);
  if (!pending) {
    pending = Deno.readTextFile(url).then((text) => parseDatasetManifest(text, key));
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

/** Look up a dataset and one of its files; a miss throws `RangeError` listing what exists. */
export function findDatasetFile(
  manifest: DatasetManifest,
  dataset: string,
  file: string,
): { dataset: DatasetEntry; file: DatasetFile } {
  const entry = Object.hasOwn(manifest.datasets, dataset) ? manifest.datasets[dataset] : undefined;
  if (!entry) {
    throw new RangeError(
      `Unknown dataset '${dataset}': available are ${Object.keys(manifest.datasets).join(", ")}`,
    );
  }
  const found = entry.files.find((f) => f.path === file);
  if (!found) {
    throw new RangeError(
      `Unknown file '${file}' in dataset '${dataset}': available are ${
        entry.files.map((f) => f.path).join(", ")
      }`,
    );
  }
  return { dataset: entry, file: found };
}
