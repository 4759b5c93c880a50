import { ggufQuantization, resolveModelFile } from "../backends/mod.ts";
import { type ModelConfig, resolveProjectPath } from "../config/mod.ts";
import { sha256File } from "../download/mod.ts";
import type { ComplianceRecord } from "../results/mod.ts";
import { type Fact, fact } from "./_fact.ts";

/** Options for {@linkcode modelFileFacts}. */
export interface ModelFileFactsOptions {
  /** @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** Records of the model: what the backend said it served. */
  records?: readonly ComplianceRecord[];
  /** Reads the quantization of a GGUF file. @default node-llama-cpp + ggufQuantization */
  readQuantization?: (path: string) => Promise<string | null>;
}

const TOKENIZER_KEYS = [
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.scores",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.merges",
];

async function ggufFileQuantization(path: string): Promise<string | null> {
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const info = await readGgufFileInfo(path, { logWarnings: false, ignoreKeys: TOKENIZER_KEYS });
  return ggufQuantization(info);
}

const squash = (q: string) => q.toUpperCase().replace(/[^A-Z0-9]/g, "");

async function fileQuantFact(
  path: string,
  model: ModelConfig,
  options: ModelFileFactsOptions,
): Promise<Fact> {
  const quant = await (options.readQuantization ?? ggufFileQuantization)(path).catch(() => null);
  const value = { format: "GGUF", quantization: quant };
  if (quant === null) {
    return fact("model_format_quantization", "unknown", null, "quantization not readable");
  }
  return model.format === "GGUF" && squash(quant) === squash(model.quantization)
    ? fact("model_format_quantization", "pass", value, "file matches the configuration")
    : fact(
      "model_format_quantization",
      "fail",
      value,
      `configured ${model.format} ${model.quantization}, file is GGUF ${quant}`,
    );
}

function servedFact(model: ModelConfig, records: readonly ComplianceRecord[]): Fact {
  const last = records.filter((r) => r.served_format || r.served_quantization).at(-1);
  if (!last) {
    return fact(
      "model_format_quantization",
      "unknown",
      null,
      `no record of what ${model.backend} served`,
    );
  }
  const value = { format: last.served_format, quantization: last.served_quantization };
  const ok = (last.served_format ?? model.format) === model.format &&
    (!last.served_quantization || squash(last.served_quantization) === squash(model.quantization));
  return ok
    ? fact("model_format_quantization", "pass", value, "served model matches the configuration")
    : fact(
      "model_format_quantization",
      "fail",
      value,
      `configured ${model.format} ${model.quantization}, served ${last.served_format} ${last.served_quantization}`,
    );
}

/**
 * Supply-chain facts of one model: the file's sha256 against its pin (`model_file_sha256`), its
 * pinned source (`model_source`), and format and quantization against the configuration
 * (`model_format_quantization`, from the GGUF file or from what the server reported serving).
 */
export async function modelFileFacts(
  model: ModelConfig,
  options: ModelFileFactsOptions = {},
): Promise<Fact[]> {
  if (model.backend === "embedded") {
    const source = model.download
      ? fact(
        "model_source",
        "pass",
        model.download.url,
        "pinned download URL in configs/models.yaml",
      )
      : fact("model_source", "unknown", model.path ?? model.file, "no pinned source URL");
    let file;
    try {
      file = await resolveModelFile(model, { download: false, env: options.env });
    } catch (error) {
      const msg = (error as Error).message;
      return [
        fact("model_file_sha256", /pinned checksum/.test(msg) ? "fail" : "unknown", null, msg),
        source,
        fact("model_format_quantization", "unknown", null, "model file not at hand"),
      ];
    }
    const sha = model.download
      ? fact(
        "model_file_sha256",
        "pass",
        file.sha256,
        `${file.path} (${file.source}) matches the pin`,
      )
      : fact(
        "model_file_sha256",
        "fail",
        file.sha256,
        `no pinned sha256: ${file.path} cannot be verified`,
      );
    return [sha, source, await fileQuantFact(file.path, model, options)];
  }
  if (model.backend === "openai" && model.server) {
    const path = resolveProjectPath(model.server.model_path);
    const sha256 = await sha256File(path).catch(() => null);
    return [
      sha256 === null ? fact("model_file_sha256", "unknown", null, `${path} not found`) : fact(
        "model_file_sha256",
        "fail",
        sha256,
        `no pinned sha256 for ${path}: recorded, not verified`,
      ),
      fact(
        "model_source",
        "unknown",
        path,
        "local file given to the launched server; no pinned source",
      ),
      sha256 === null
        ? servedFact(model, options.records ?? [])
        : await fileQuantFact(path, model, options),
    ];
  }
  return [
    fact(
      "model_file_sha256",
      "unknown",
      null,
      `served by ${model.backend}: the tool cannot hash the served file`,
    ),
    fact(
      "model_source",
      "unknown",
      model.model_id,
      `${model.backend} catalogue id; source not verifiable`,
    ),
    servedFact(model, options.records ?? []),
  ];
}
