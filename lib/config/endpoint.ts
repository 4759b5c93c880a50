/**
 * The endpoint policy: prompts go to loopback servers only (127.0.0.0/8, ::1, localhost) unless a
 * model's config says `allow_remote: true` or the command line says `--allow-remote`; only
 * http(s) URLs are accepted. Every place that turns a URL into a connection calls
 * {@linkcode checkEndpoint} first; {@linkcode resolveModelEndpoints} says, before a run writes
 * anything, which URL each model will be reached at and where that URL came from.
 * @module
 */
import { z } from "zod";
import { ConfigError, describeValue } from "./_errors.ts";
import type { Experiment, ModelConfig } from "./_schemas.ts";

/** Where a URL came from: a file, flag or environment variable, and the field in it. */
export interface EndpointOrigin {
  /** `configs/models.yaml`, `<command line>`, `environment variable LMSTUDIO_BASE_URL`, a manifest. */
  source: string;
  /** Dotted field path or flag: `models.gemma.base_url`, `--base-url`, `lmstudio.base_url`. */
  field: string;
}

/** What {@linkcode checkEndpoint} needs besides the URL. */
export interface EndpointCheck extends EndpointOrigin {
  /** A non-loopback host is accepted (the model's `allow_remote: true` or `--allow-remote`). @default false */
  allowRemote?: boolean;
  /** The model the URL serves, named in the refusal. @default none */
  modelKey?: string;
}

/** A URL refused by the endpoint policy; a {@linkcode ConfigError} (bad input: exit 2). */
export class EndpointError extends ConfigError {
  /** The refused URL as given. */
  readonly url: string;

  constructor(origin: EndpointOrigin, url: string, problem: string, options?: ErrorOptions) {
    super(origin.source, origin.field, url, problem, options);
    this.name = "EndpointError";
    this.url = url;
    this.message = `Refusing endpoint from ${origin.source}: '${origin.field}' ${problem}: ` +
      `current value is ${describeValue(url)}`;
  }
}

/** The URL's host without IPv6 brackets or a trailing dot, lower-case. */
function bareHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

/**
 * Whether a host (as `URL.hostname` gives it: IPv4 normalised to dotted quad, IPv6 compressed)
 * is loopback: `localhost` and `*.localhost`, 127.0.0.0/8, `::1`, and IPv4-mapped 127.0.0.0/8.
 * Other names are not looked up (a lookup would itself leave the machine), so they are not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (/^127(?:\.\d{1,3}){3}$/.test(h)) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(h);
  return mapped !== null && parseInt(mapped[1], 16) >> 8 === 127;
}

/** Whether a URL's host is a loopback address (false for anything that does not parse). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/**
 * Refuse a URL that is not http(s), carries credentials, or (unless `allowRemote`) names a
 * non-loopback host; returns the parsed URL. Makes no connection and no DNS lookup.
 *
 * @throws {EndpointError} naming the origin, the field and the value.
 * @example
 * ```ts
 * import { checkEndpoint } from "./endpoint.ts";
 * checkEndpoint("http://127.0.0.1:1234", { source: "<command line>", field: "--base-url" });
 * ```
 */
export function checkEndpoint(url: string, check: EndpointCheck): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new EndpointError(check, url, "must be an http:// or https:// URL", { cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new EndpointError(
      check,
      url,
      `must be an http:// or https:// URL (${parsed.protocol} is never used)`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new EndpointError(
      check,
      redactUserinfo(parsed),
      "must not hold credentials (user:password@): name an environment variable in api_key_env",
    );
  }
  if (!check.allowRemote && !isLoopbackHost(parsed.hostname)) {
    const host = bareHost(parsed);
    const what = isIpLiteral(host)
      ? `names the address '${host}', which is not loopback (127.0.0.0/8, ::1)`
      : `names the host '${host}', which is not localhost (other host names are not looked up, ` +
        `so they count as remote)`;
    const model = check.modelKey ? ` on model '${check.modelKey}'` : " on the model";
    throw new EndpointError(
      check,
      url,
      `${what}: prompts would leave this machine, so nothing was sent. To send them there, ` +
        `set allow_remote: true${model} in models.yaml or pass --allow-remote`,
    );
  }
  return parsed;
}

function redactUserinfo(url: URL): string {
  const copy = new URL(url.href);
  copy.username = copy.username ? "***" : "";
  copy.password = copy.password ? "***" : "";
  return copy.href;
}

/** How a model is reached, as a run manifest records it (a data-egress finding when remote). */
export const ModelEndpointSchema = z.object({
  model_key: z.string(),
  backend: z.enum(["lmstudio", "openai"]),
  url: z.string(),
  /** Where the URL came from and the field in it. */
  source: z.string(),
  field: z.string(),
  loopback: z.boolean(),
  /** True when prompts leave this machine (the host is not loopback). */
  data_egress: z.boolean(),
  /** What allowed a non-loopback host (`--allow-remote` or the model's allow_remote), else null. */
  allowed_by: z.string().nullable(),
  /** Name of the environment variable holding the API key (never the key), or null. */
  api_key_env: z.string().nullable(),
  /** Whether requests carry an API key. */
  api_key_used: z.boolean(),
});

/** A resolved, allowed model endpoint. */
export type ModelEndpoint = z.output<typeof ModelEndpointSchema>;

/** Where the values a model's endpoint is built from came from. */
export interface EndpointSources {
  /** Origin of `experiment.lmstudio.base_url`. */
  lmstudio: EndpointOrigin;
  /** Origin of a field of a model entry. */
  model(key: string, field: string): EndpointOrigin;
}

/** Sources for configs read from YAML files (`lmstudioFromEnv`: LMSTUDIO_BASE_URL was set). */
export function fileEndpointSources(
  files: { experiment: string; models: string },
  lmstudioFromEnv = false,
): EndpointSources {
  return {
    lmstudio: lmstudioFromEnv
      ? { source: "environment variable LMSTUDIO_BASE_URL", field: "lmstudio.base_url" }
      : { source: files.experiment, field: "lmstudio.base_url" },
    model: (key, field) => ({ source: files.models, field: `models.${key}.${field}` }),
  };
}

/**
 * Sources for a config recorded in a run manifest (`--resume`); `modelPath` gives the field path
 * of a model entry in the manifest. @default `config.models.<key>`
 */
export function manifestEndpointSources(
  file: string,
  modelPath: (key: string) => string = (key) => `config.models.${key}`,
): EndpointSources {
  return {
    lmstudio: { source: file, field: "config.experiment.lmstudio.base_url" },
    model: (key, field) => ({ source: file, field: `${modelPath(key)}.${field}` }),
  };
}

/** Sources when nothing better is known: the shipped config file names. */
export const DEFAULT_ENDPOINT_SOURCES: EndpointSources = fileEndpointSources({
  experiment: "configs/experiment.yaml",
  models: "configs/models.yaml",
});

/** Options for {@linkcode resolveModelEndpoint}. */
export interface ResolveEndpointOptions {
  /** The command line's `--base-url` (wins over every config). @default none */
  baseUrl?: string;
  /** The command line's `--allow-remote`. @default false */
  allowRemote?: boolean;
  /** Where the configs came from. @default DEFAULT_ENDPOINT_SOURCES */
  sources?: EndpointSources;
  /** Environment lookup, to check that `api_key_env` names a variable that is set. @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

/**
 * The endpoint a model is reached at (`--base-url`, else the model's `base_url`, else for LM
 * Studio `experiment.lmstudio.base_url`, which LMSTUDIO_BASE_URL overrides), checked with
 * {@linkcode checkEndpoint}; null for the embedded engine and for a server the tool launches
 * itself. An `api_key_env` that names an unset variable is a {@linkcode ConfigError}.
 */
export function resolveModelEndpoint(
  key: string,
  model: ModelConfig,
  experiment: Pick<Experiment, "lmstudio">,
  options: ResolveEndpointOptions = {},
): ModelEndpoint | null {
  if (model.backend === "embedded") return null;
  const sources = options.sources ?? DEFAULT_ENDPOINT_SOURCES;
  let url: string;
  let origin: EndpointOrigin;
  if (options.baseUrl !== undefined) {
    url = options.baseUrl;
    origin = { source: "<command line>", field: "--base-url" };
  } else if (model.base_url !== undefined) {
    url = model.base_url;
    origin = sources.model(key, "base_url");
  } else if (model.backend === "lmstudio") {
    url = experiment.lmstudio.base_url;
    origin = sources.lmstudio;
  } else {
    return null; // an openai model whose server the tool launches (rounds) on 127.0.0.1
  }
  const allowRemote = options.allowRemote === true || model.allow_remote === true;
  const parsed = checkEndpoint(url, { ...origin, allowRemote, modelKey: key });
  const loopback = isLoopbackHost(parsed.hostname);
  const allowOrigin = sources.model(key, "allow_remote");
  const allowedBy = loopback
    ? null
    : options.allowRemote
    ? "--allow-remote"
    : `allow_remote: true (${allowOrigin.source} '${allowOrigin.field}')`;
  const keyEnv = model.backend === "openai" ? model.api_key_env ?? null : null;
  if (keyEnv !== null) apiKeyFromEnv(key, model, options.env, sources);
  return {
    model_key: key,
    backend: model.backend,
    url,
    source: origin.source,
    field: origin.field,
    loopback,
    data_egress: !loopback,
    allowed_by: allowedBy,
    api_key_env: keyEnv,
    api_key_used: keyEnv !== null,
  };
}

/** {@linkcode resolveModelEndpoint} for every model with a network endpoint, keyed by model key. */
export function resolveModelEndpoints(
  models: Record<string, ModelConfig>,
  experiment: Pick<Experiment, "lmstudio">,
  options: ResolveEndpointOptions = {},
): Record<string, ModelEndpoint> {
  const out: Record<string, ModelEndpoint> = {};
  for (const [key, model] of Object.entries(models)) {
    const endpoint = resolveModelEndpoint(key, model, experiment, options);
    if (endpoint) out[key] = endpoint;
  }
  return out;
}

/**
 * The API key of an `openai` model, read from the environment variable its `api_key_env`
 * names; undefined when it names none. The key itself is never returned in a record.
 * @throws {ConfigError} when the variable is not set.
 */
export function apiKeyFromEnv(
  key: string,
  model: ModelConfig,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
  sources: EndpointSources = DEFAULT_ENDPOINT_SOURCES,
): string | undefined {
  if (model.backend !== "openai" || model.api_key_env === undefined) return undefined;
  const value = env(model.api_key_env);
  if (value === undefined || value === "") {
    const origin = sources.model(key, "api_key_env");
    throw new ConfigError(
      origin.source,
      origin.field,
      model.api_key_env,
      "names an environment variable that is not set: set it to the API key",
    );
  }
  return value;
}

/** One line per endpoint whose prompts leave the machine, for a run manifest's notes. */
export function egressNotes(endpoints: Record<string, ModelEndpoint>): string[] {
  return Object.values(endpoints).filter((e) => e.data_egress).map((e) =>
    `data egress: model '${e.model_key}' sends prompts to ${e.url} (${e.source} '${e.field}'; ` +
    `allowed by ${e.allowed_by})`
  );
}

/** The first LM Studio endpoint among resolved ones: what a run manifest's environment asks. */
export function lmstudioEndpoint(endpoints: Record<string, ModelEndpoint>): ModelEndpoint | null {
  return Object.values(endpoints).find((e) => e.backend === "lmstudio") ?? null;
}
