import type { GgufLicence } from "./_audit_schema.ts";

/** Options for {@linkcode readGgufLicence}. */
export interface ReadGgufLicenceOptions {
  /** Reader of GGUF metadata. @default node-llama-cpp's readGgufFileInfo */
  readMetadata?: (path: string) => Promise<Record<string, unknown>>;
}

const SKIP_KEYS = [
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.scores",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.merges",
];

async function nodeLlamaMetadata(path: string): Promise<Record<string, unknown>> {
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const info = await readGgufFileInfo(path, {
    readTensorInfo: false,
    logWarnings: false,
    ignoreKeys: SKIP_KEYS,
    sourceType: "filesystem",
  });
  return info.metadata as unknown as Record<string, unknown>;
}

/** Flatten node-llama-cpp's nested metadata back to GGUF keys: `general.license.name`. */
export function flattenMetadata(
  value: unknown,
  prefix = "",
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      flattenMetadata(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function str(flat: Record<string, unknown>, key: string): string | null {
  const v = flat[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** A GGUF licence record for a file the audit could not open. */
export function ggufNotAtHand(detail: string, file: string | null = null): GgufLicence {
  return {
    status: file ? "unreadable" : "file not at hand",
    file,
    detail,
    license: null,
    license_name: null,
    license_link: null,
    name: null,
    author: null,
    organization: null,
    url: null,
    repo_url: null,
    source_url: null,
    source_repo_url: null,
    source_hf_repository: null,
    base_models: [],
  };
}

/**
 * Read the licence and provenance keys of a GGUF file (`general.license`, `general.license.name`,
 * `general.license.link`, author, organization, urls, `general.source.*`, `general.base_model.*`).
 * A file without `general.license` is reported as "not declared in file"; nothing is inferred.
 */
export async function readGgufLicence(
  path: string,
  options: ReadGgufLicenceOptions = {},
): Promise<GgufLicence> {
  let metadata: Record<string, unknown>;
  try {
    metadata = await (options.readMetadata ?? nodeLlamaMetadata)(path);
  } catch (error) {
    return ggufNotAtHand(`cannot read GGUF metadata: ${(error as Error).message}`, path);
  }
  const flat = flattenMetadata(metadata.general, "general");
  const count = Number(flat["general.base_model.count"] ?? 0);
  const base_models = Array.from({ length: Number.isFinite(count) ? count : 0 }, (_, i) => ({
    name: str(flat, `general.base_model.${i}.name`),
    organization: str(flat, `general.base_model.${i}.organization`),
    repo_url: str(flat, `general.base_model.${i}.repo_url`),
  }));
  const license = str(flat, "general.license");
  const licenseName = str(flat, "general.license.name");
  const declared = license !== null || licenseName !== null;
  return {
    status: declared ? "declared" : "not declared in file",
    file: path,
    detail: declared ? null : "the file has no general.license or general.license.name key",
    license,
    license_name: licenseName,
    license_link: str(flat, "general.license.link"),
    name: str(flat, "general.name"),
    author: str(flat, "general.author"),
    organization: str(flat, "general.organization"),
    url: str(flat, "general.url"),
    repo_url: str(flat, "general.repo_url"),
    source_url: str(flat, "general.source.url"),
    source_repo_url: str(flat, "general.source.repo_url"),
    source_hf_repository: str(flat, "general.source.huggingface.repository"),
    base_models,
  };
}
