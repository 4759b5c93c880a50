/**
 * What an OpenAI-compatible server says about itself, read before measuring: llama-server `/props`
 * and `/v1/models` meta (build, context, slots, model file), Ollama `/api/version` and `/api/show`,
 * vLLM `/version` and `/v1/models`, mlx_lm.server and llama-cpp-python `/v1/models`. Each probe has
 * a short timeout and a miss is not an error; the facts say what answered.
 * @module
 */
import { sameQuantization } from "./_quantization.ts";
import { ModelMismatchError, type ServerFacts } from "./_types.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : null;
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
const int = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? Math.round(v) : null;

/** Options for {@linkcode probeOpenAiServer}. */
export interface ProbeServerOptions {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Per-probe timeout. @default 5000 */
  timeoutMs?: number;
  /** The model id asked about (Ollama `/api/show`). */
  modelId?: string;
  /** Read a local GGUF file's quantization (llama-server's `model_path` on this machine). */
  readGgufQuantization?: (path: string) => Promise<string | null>;
}

/** `http://host:port/v1` → `http://host:port`. */
export function serverOrigin(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** A quantization named in a file name or id (`…Q4_K_M.gguf` → `Q4_K_M`). */
export function quantizationInName(name: string): string | null {
  const m = name.match(
    /(?:^|[-_.\/])((?:IQ|Q)\d(?:_[0-9A-Z]+)*|BF16|F16|F32|(?:\d)bit)(?=[-_.]|$)/i,
  );
  return m ? m[1].toUpperCase().replace(/BIT$/, "bit") : null;
}

async function readGgufQuantizationDefault(path: string): Promise<string | null> {
  try {
    await Deno.stat(path);
  } catch {
    return null;
  }
  const { ggufQuantization, nodeLlamaCpp } = await import("./embedded.ts");
  const { readGgufFileInfo } = await nodeLlamaCpp();
  const info = await readGgufFileInfo(path, { logWarnings: false, readTensorInfo: true });
  return ggufQuantization(info);
}

/** Probe the server behind `baseUrl` (which includes `/v1`). Never throws for a missing endpoint. */
export async function probeOpenAiServer(
  baseUrl: string,
  options: ProbeServerOptions = {},
): Promise<ServerFacts> {
  const doFetch = options.fetch ?? fetch;
  const origin = serverOrigin(baseUrl);
  const probed: Record<string, number> = {};
  const get = async (url: string, init: RequestInit = {}): Promise<unknown> => {
    try {
      const res = await doFetch(url, {
        ...init,
        headers: { ...options.headers, ...init.headers },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      probed[url.slice(origin.length) || "/"] = res.status;
      if (!res.ok) {
        await res.body?.cancel();
        return null;
      }
      return await res.json().catch(() => null);
    } catch {
      return null;
    }
  };
  const listed = obj(await get(`${baseUrl.replace(/\/+$/, "")}/models`));
  const entries = (Array.isArray(listed?.data) ? listed.data : []).map(obj).filter((e) =>
    e !== null
  ) as Obj[];
  const models = entries.map((e) => str(e.id)).filter((id): id is string => id !== null);
  const props = obj(await get(`${origin}/props`));
  const raw: Record<string, unknown> = {};
  const facts: ServerFacts = {
    kind: "unknown",
    build: null,
    contextSize: null,
    slots: null,
    modelPath: null,
    models,
    format: null,
    quantization: null,
    promptCacheControl: false,
    probed,
    raw,
  };
  if (props && obj(props.default_generation_settings)) {
    // llama.cpp's llama-server.
    const settings = obj(props.default_generation_settings)!;
    facts.kind = "llama-server";
    facts.build = str(props.build_info);
    facts.slots = int(props.total_slots);
    facts.contextSize = int(settings.n_ctx) ?? int(obj(settings.params)?.n_ctx);
    facts.modelPath = str(props.model_path);
    facts.format = "GGUF";
    facts.promptCacheControl = true;
    const meta = obj(entries[0]?.meta);
    raw.props = {
      build_info: props.build_info,
      total_slots: props.total_slots,
      model_path: props.model_path,
      n_ctx: facts.contextSize,
    };
    if (meta) raw.meta = meta;
    if (facts.modelPath) {
      facts.quantization = await (options.readGgufQuantization ?? readGgufQuantizationDefault)(
        facts.modelPath,
      ).catch(() => null) ?? quantizationInName(facts.modelPath);
    }
    return facts;
  }
  const ollama = obj(await get(`${origin}/api/version`));
  if (ollama && str(ollama.version)) {
    facts.kind = "ollama";
    facts.build = str(ollama.version);
    if (options.modelId) {
      const show = obj(
        await get(`${origin}/api/show`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: options.modelId }),
        }),
      );
      const details = obj(show?.details);
      if (details) {
        raw.details = details;
        const format = str(details.format)?.toUpperCase();
        facts.format = format === "GGUF" ? "GGUF" : format === "MLX" ? "MLX" : null;
        facts.quantization = str(details.quantization_level);
      }
      const info = obj(show?.model_info);
      if (info) {
        const ctx = Object.entries(info).find(([k]) => k.endsWith(".context_length"));
        const params = str(show?.parameters) ?? "";
        const numCtx = params.match(/num_ctx\s+(\d+)/)?.[1];
        facts.contextSize = numCtx ? Number(numCtx) : int(ctx?.[1]);
      }
    }
    return facts;
  }
  const owners = new Set(entries.map((e) => str(e.owned_by)));
  if (owners.has("vllm")) {
    facts.kind = "vllm";
    facts.build = str(obj(await get(`${origin}/version`))?.version);
    facts.contextSize = int(entries[0]?.max_model_len);
    return facts;
  }
  if (owners.has("me") && entries.every((e) => Array.isArray(e.permissions))) {
    // llama-cpp-python's server: /v1/models says only the alias; its tokenizer endpoint confirms.
    const tok = obj(
      await get(`${origin}/extras/tokenize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: "a" }),
      }),
    );
    if (tok && Array.isArray(tok.tokens)) {
      facts.kind = "llama-cpp-python";
      facts.format = "GGUF";
      return facts;
    }
  }
  // mlx_lm.server, and many small servers, list bare `{id, object, created}` entries: nothing in
  // them tells the server apart, so only the ids are known (the kind stays "unknown").
  return facts;
}

/**
 * Refuse a server whose model id, format or quantization contradicts the configuration, naming
 * both sides; what the server does not report is not checked (the caller records that).
 * @throws {ModelMismatchError}
 */
export function checkServerFacts(
  expected: {
    modelKey?: string;
    modelId: string;
    format?: string | null;
    quantization?: string | null;
    /** Compare the model id (false for a server the tool launched itself with the file). @default true */
    checkModelId?: boolean;
  },
  server: ServerFacts,
): void {
  const who = expected.modelKey ? `Model '${expected.modelKey}'` : `Model '${expected.modelId}'`;
  if (
    expected.checkModelId !== false && server.models.length > 0 &&
    !server.models.includes(expected.modelId)
  ) {
    throw new ModelMismatchError(
      `${who} is configured with model_id '${expected.modelId}', but the ${server.kind} server ` +
        `serves ${server.models.map((m) => `'${m}'`).join(", ")}: set model_id to the served id ` +
        `or load the model you meant`,
    );
  }
  if (expected.format && server.format && expected.format !== server.format) {
    throw new ModelMismatchError(
      `${who} is configured as ${expected.format}, but the ${server.kind} server serves ` +
        `${server.format}${server.modelPath ? ` (${server.modelPath})` : ""}`,
    );
  }
  if (
    expected.quantization && server.quantization &&
    !sameQuantization(expected.quantization, server.quantization)
  ) {
    throw new ModelMismatchError(
      `${who} is configured with quantization ${expected.quantization}, but the ${server.kind} ` +
        `server serves ${server.quantization}${server.modelPath ? ` (${server.modelPath})` : ""}`,
    );
  }
}
