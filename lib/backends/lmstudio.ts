import { checkEndpoint, type EndpointCheck } from "../config/mod.ts";
import { createOpenAiBackend, joinUrl, type TokenCounter } from "./openai.ts";
import { sameQuantization } from "./_quantization.ts";
import type { ResponseLimits } from "./_sse.ts";
import {
  type Backend,
  BackendError,
  type ModelFacts,
  ModelMismatchError,
  type ServingProcesses,
} from "./_types.ts";

/** Processes of LM Studio on macOS and of headless llmster: the app, its helpers and workers. */
export const LMSTUDIO_PROCESS_PATTERN: RegExp = /LM Studio|lmstudio|\.lmstudio\/|llmster/i;

/** LM Studio load configuration (REST v1 `models/load`). */
export interface LmStudioLoadConfig {
  context_length?: number;
  eval_batch_size?: number;
  flash_attention?: boolean;
  offload_kv_cache_to_gpu?: boolean;
}

/** Result of loading a model. */
export interface LmStudioLoadResult {
  instanceId: string;
  loadTimeMs: number;
  /** The load config as LM Studio echoed it back, when it did. */
  config: Record<string, unknown> | null;
  via: "rest" | "lms";
}

/** Options for {@linkcode createLmStudioBackend}. */
export interface LmStudioBackendOptions {
  modelId: string;
  /** The configured format and quantization the loaded model must have. */
  format: "GGUF" | "MLX";
  quantization: string;
  /** Per-request timeout in ms, covering the whole streamed answer. @default 300000 */
  timeoutMs?: number;
  /** Caps on a streamed answer's stored text and on one event. @default DEFAULT_RESPONSE_LIMITS */
  limits?: ResponseLimits;
  tokenCounter?: TokenCounter;
  /** Memory target. @default {namePattern: LMSTUDIO_PROCESS_PATTERN} */
  serving?: ServingProcesses;
  /**
   * Used for every request when given. @default globalThis.fetch, except for streamed chat to a
   * loopback http server (the harness's own HTTP/1.1 client)
   */
  fetch?: typeof fetch;
  now?: () => number;
  /** Runs `lms` when the REST v1 load endpoint is missing. @default Deno.Command */
  runCommand?: (cmd: string, args: string[]) => Promise<{ code: number; stdout: string }>;
  /**
   * Where `baseUrl` came from and whether a non-loopback host is allowed; checked before any
   * request. @default {source: "createLmStudioBackend()", field: "baseUrl", allowRemote: false}
   */
  endpoint?: EndpointCheck;
}

/** An LM Studio backend: chat through `/v1`, facts and load/unload through the REST API. */
export interface LmStudioBackend extends Backend {
  /** Refuse (ModelMismatchError) unless the configured model is loaded with the configured format and quantization. */
  ensureModel(): Promise<ModelFacts>;
  load(config?: LmStudioLoadConfig): Promise<LmStudioLoadResult>;
  unload(instanceId?: string): Promise<void>;
}

type Obj = Record<string, unknown>;

/** Model facts from an `/api/v0/models` list (one entry per format; `state` says what is loaded). */
export function factsFromV0(list: unknown, modelId: string): ModelFacts | null {
  const data = ((list as Obj)?.data ?? []) as Obj[];
  const matches = data.filter((m) => m.id === modelId || String(m.id).startsWith(`${modelId}:`));
  if (matches.length === 0) return null;
  const m = matches.find((x) => x.state === "loaded") ?? matches[0];
  const fmt = String(m.compatibility_type ?? "").toUpperCase();
  return {
    id: String(m.id),
    format: fmt === "GGUF" || fmt === "MLX" ? fmt : null,
    quantization: typeof m.quantization === "string" ? m.quantization : null,
    loaded: m.state === "loaded",
    maxContextLength: typeof m.max_context_length === "number" ? m.max_context_length : null,
    details: {
      api: "v0",
      arch: m.arch ?? null,
      publisher: m.publisher ?? null,
      type: m.type ?? null,
      loaded_context_length: m.loaded_context_length ?? null,
      entries: matches.map((x) => ({
        format: x.compatibility_type,
        quantization: x.quantization,
        state: x.state,
      })),
    },
  };
}

/** Model facts from an `/api/v1/models` list (LM Studio 0.4+). */
export function factsFromV1(list: unknown, modelId: string): ModelFacts | null {
  const models = ((list as Obj)?.models ?? []) as Obj[];
  const m = models.find((x) =>
    x.key === modelId ||
    (x.loaded_instances as Obj[] ?? []).some((i) => i.id === modelId)
  );
  if (!m) return null;
  const fmt = String(m.format ?? "").toUpperCase();
  const quant = m.quantization as Obj | string | undefined;
  const instances = (m.loaded_instances ?? []) as Obj[];
  return {
    id: String(m.key),
    format: fmt === "GGUF" || fmt === "MLX" ? fmt : null,
    quantization: typeof quant === "string" ? quant : (quant?.name as string | undefined) ?? null,
    loaded: instances.length > 0,
    maxContextLength: typeof m.max_context_length === "number" ? m.max_context_length : null,
    details: {
      api: "v1",
      architecture: m.architecture ?? null,
      params: m.params_string ?? null,
      size_bytes: m.size_bytes ?? null,
      bits_per_weight: typeof quant === "object" ? quant?.bits_per_weight ?? null : null,
      selected_variant: m.selected_variant ?? null,
      loaded_instances: instances,
    },
  };
}

async function defaultRun(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

/**
 * Create an LM Studio backend on `baseUrl` (no `/v1`, e.g. `http://localhost:1234`).
 * Chat goes through the OpenAI-compatible `/v1/chat/completions`; `describe()` reads
 * `/api/v0/models` (which lists each format separately with its load state) and `/api/v1/models`.
 * A `baseUrl` the endpoint policy refuses throws an EndpointError here, before any connection.
 */
export function createLmStudioBackend(
  baseUrl: string,
  options: LmStudioBackendOptions,
): LmStudioBackend {
  const endpoint = options.endpoint ?? { source: "createLmStudioBackend()", field: "baseUrl" };
  checkEndpoint(baseUrl, endpoint);
  const doFetch = options.fetch ?? fetch;
  const run = options.runCommand ?? defaultRun;
  const chat = createOpenAiBackend(joinUrl(baseUrl, "v1"), {
    modelId: options.modelId,
    format: options.format,
    quantization: options.quantization,
    timeoutMs: options.timeoutMs,
    limits: options.limits,
    tokenCounter: options.tokenCounter,
    fetch: options.fetch,
    now: options.now,
    kind: "lmstudio",
    endpoint,
  });

  async function getJson(path: string): Promise<{ status: number; body: unknown }> {
    const url = joinUrl(baseUrl, path);
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = res.ok ? await res.json() : (await res.body?.cancel(), null);
      return { status: res.status, body };
    } catch (error) {
      throw new BackendError(
        `LM Studio is not reachable at ${baseUrl} (${(error as Error).message}). ` +
          `Start its server (Developer tab > Start Server, or 'lms server start') or set LMSTUDIO_BASE_URL.`,
        { cause: error },
      );
    }
  }

  async function describe(): Promise<ModelFacts> {
    const v0 = await getJson("api/v0/models");
    const v1 = await getJson("api/v1/models").catch(() => ({ status: 0, body: null }));
    const f0 = v0.body ? factsFromV0(v0.body, options.modelId) : null;
    const f1 = v1.body ? factsFromV1(v1.body, options.modelId) : null;
    if (!f0 && !f1) {
      if (!v0.body && !v1.body) {
        throw new BackendError(
          `LM Studio at ${baseUrl} answered neither /api/v0/models (HTTP ${v0.status}) nor /api/v1/models (HTTP ${v1.status})`,
          { status: v0.status },
        );
      }
      throw new ModelMismatchError(
        `Model '${options.modelId}' is not known to LM Studio at ${baseUrl}: download it in LM Studio ` +
          `(Discover) or fix model_id in configs/models.yaml`,
      );
    }
    // v0 lists every format of a model with its own state: it says which one is loaded.
    const base = f0 ?? f1!;
    return {
      ...base,
      maxContextLength: base.maxContextLength ?? f1?.maxContextLength ?? null,
      details: {
        ...(f1?.details ?? {}),
        ...(f0?.details ?? {}),
        apis: [f0 && "v0", f1 && "v1"].filter(Boolean),
      },
    };
  }

  return {
    id: `lmstudio:${options.modelId}`,
    kind: "lmstudio",
    describe,
    chat: chat.chat,
    servingProcesses: () => options.serving ?? { namePattern: LMSTUDIO_PROCESS_PATTERN },
    close: () => Promise.resolve(),
    async ensureModel(): Promise<ModelFacts> {
      const facts = await describe();
      const expected = `${options.format} ${options.quantization}`;
      if (!facts.loaded) {
        throw new ModelMismatchError(
          `Model '${options.modelId}' is not loaded in LM Studio. Load it as ${expected} ` +
            `(My Models, or 'lms load ${options.modelId}'), or set load.auto: true for this model.`,
        );
      }
      const found = `${facts.format ?? "unknown format"} ${
        facts.quantization ?? "unknown quantization"
      }`;
      if (
        facts.format !== options.format ||
        !sameQuantization(facts.quantization, options.quantization)
      ) {
        throw new ModelMismatchError(
          `Loaded model '${facts.id}' is ${found} but the config expects ${expected}: ` +
            `LM Studio uses the same id for both formats, so load the ${expected} build and rerun.`,
        );
      }
      return facts;
    },
    async load(config: LmStudioLoadConfig = {}): Promise<LmStudioLoadResult> {
      const url = joinUrl(baseUrl, "api/v1/models/load");
      const t0 = performance.now();
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: options.modelId, ...config, echo_load_config: true }),
      }).catch((error) => {
        throw new BackendError(`Cannot reach ${url}: ${error.message}`, { cause: error });
      });
      if (res.ok) {
        const body = await res.json() as Obj;
        return {
          instanceId: String(body.instance_id ?? options.modelId),
          loadTimeMs: typeof body.load_time_seconds === "number"
            ? body.load_time_seconds * 1000
            : performance.now() - t0,
          config: (body.load_config as Obj | undefined) ?? null,
          via: "rest",
        };
      }
      const text = await res.text();
      if (res.status !== 404) {
        throw new BackendError(
          `LM Studio refused to load '${options.modelId}': HTTP ${res.status} ${
            text.slice(0, 200)
          }`,
          { status: res.status },
        );
      }
      // REST v1 missing (LM Studio < 0.4): fall back to the lms CLI.
      const args = ["load", options.modelId, "--yes"];
      if (config.context_length) args.push("--context-length", String(config.context_length));
      const t1 = performance.now();
      const out = await run("lms", args).catch((error) => {
        throw new BackendError(
          `LM Studio has no REST load endpoint and 'lms' could not run: ${error.message}`,
          { cause: error },
        );
      });
      if (out.code !== 0) {
        throw new BackendError(`'lms ${args.join(" ")}' failed: ${out.stdout.slice(0, 200)}`);
      }
      return {
        instanceId: options.modelId,
        loadTimeMs: performance.now() - t1,
        config: null,
        via: "lms",
      };
    },
    async unload(instanceId = options.modelId): Promise<void> {
      const url = joinUrl(baseUrl, "api/v1/models/unload");
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instance_id: instanceId }),
      }).catch((error) => {
        throw new BackendError(`Cannot reach ${url}: ${error.message}`, { cause: error });
      });
      if (res.ok) {
        await res.body?.cancel();
        return;
      }
      await res.body?.cancel();
      if (res.status !== 404) {
        throw new BackendError(`LM Studio refused to unload '${instanceId}': HTTP ${res.status}`, {
          status: res.status,
        });
      }
      const out = await run("lms", ["unload", instanceId]);
      if (out.code !== 0) {
        throw new BackendError(`'lms unload ${instanceId}' failed: ${out.stdout.slice(0, 200)}`);
      }
    },
  };
}
