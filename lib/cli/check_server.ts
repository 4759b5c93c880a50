// deno-lint-ignore-file no-console
/**
 * `deno task check-server [--models <keys|all>] [--base-url URL] [--config-dir DIR]`: the seed's
 * connection test (Phase 2.3). For each server the selected lmstudio/openai models use: is it
 * healthy, which models does it list (with format, quantization and load state where it says),
 * and is each configured model there in the configured format and quantization. Sends nothing
 * but the servers' own listing endpoints; exits 0 when every server answers and every configured
 * model is served as configured, 1 otherwise, 2 on bad input.
 * @module
 */
import {
  factsFromV0,
  factsFromV1,
  type ModelFacts,
  probeOpenAiServer,
  sameQuantization,
} from "../backends/mod.ts";
import {
  checkEndpoint,
  loadProjectConfig,
  type ModelConfig,
  resolveModelEndpoint,
  selectNames,
} from "../config/mod.ts";
import { dirFlag, parseFlags, runMain, UsageError } from "./_common.ts";

const HELP = `Usage: deno task check-server [options]

Checks the servers of the configured lmstudio/openai models: health, listed models, and whether
each configured model is served in its configured format and quantization.

  --models <keys|all>  models.yaml keys (default: every lmstudio and openai model)
  --base-url URL       check this server instead of the configured ones' (LM Studio: no /v1)
  --config-dir DIR     folder with experiment.yaml and models.yaml
  --allow-remote       accept a non-loopback server (otherwise refused, as by every command)
  --help`;

type Obj = Record<string, unknown>;

interface Target {
  url: string;
  kind: "lmstudio" | "openai";
  models: [string, ModelConfig][];
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = res.ok ? await res.json().catch(() => null) : (await res.body?.cancel(), null);
    return { status: res.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

function verdict(key: string, model: ModelConfig, facts: ModelFacts | null): boolean {
  const expects = `${model.format} ${model.quantization}`;
  if (!facts) {
    console.log(`[Check] ${key}: ${model.model_id} (${expects}) is not listed by the server ✗`);
    return false;
  }
  const problems: string[] = [];
  if (facts.format && facts.format !== model.format) problems.push(`format ${facts.format}`);
  if (facts.quantization && !sameQuantization(facts.quantization, model.quantization)) {
    problems.push(`quantization ${facts.quantization}`);
  }
  if (facts.loaded === false) problems.push("not loaded");
  const said = `${facts.format ?? "format ?"} ${facts.quantization ?? "quantization ?"}`;
  if (problems.length) {
    console.log(
      `[Check] ${key}: expects ${model.model_id} ${expects}; the server has ${said}: ${
        problems.join(", ")
      } ✗`,
    );
    return false;
  }
  const unverified = [!facts.format && "format", !facts.quantization && "quantization"].filter(
    Boolean,
  );
  console.log(
    `[Check] ${key}: ${model.model_id} ${expects} is served ✓${
      unverified.length ? ` (the server does not report its ${unverified.join(" or ")})` : ""
    }`,
  );
  return true;
}

async function checkLmStudio(t: Target): Promise<boolean> {
  const health = await getJson(`${t.url.replace(/\/+$/, "")}/v1/models`);
  console.log(`\nLM Studio at ${t.url}`);
  console.log(
    `Status: ${
      health.status === 200 ? "healthy" : `unreachable (${health.status || "no answer"})`
    }`,
  );
  if (health.status !== 200) return false;
  const v0 = await getJson(`${t.url.replace(/\/+$/, "")}/api/v0/models`);
  const v1 = await getJson(`${t.url.replace(/\/+$/, "")}/api/v1/models`);
  const v0data = ((v0.body as Obj)?.data ?? []) as Obj[];
  const v1models = ((v1.body as Obj)?.models ?? []) as Obj[];
  const listed = v0data.length
    ? v0data.map((m) =>
      `${m.id} (${String(m.compatibility_type ?? "?").toUpperCase()} ${m.quantization ?? "?"}, ${
        m.state ?? "?"
      })`
    )
    : v1models.map((m) =>
      `${m.key} (${String(m.format ?? "?").toUpperCase()} ${
        typeof m.quantization === "object" ? (m.quantization as Obj)?.name : m.quantization ?? "?"
      }, ${(m.loaded_instances as unknown[] ?? []).length ? "loaded" : "not-loaded"})`
    );
  console.log(`Models available: ${listed.length}`);
  for (const m of listed) console.log(`  - ${m}`);
  let ok = true;
  for (const [key, model] of t.models) {
    const facts = factsFromV0(v0.body, model.model_id) ?? factsFromV1(v1.body, model.model_id);
    ok = verdict(key, model, facts) && ok;
  }
  return ok;
}

async function checkOpenAi(t: Target): Promise<boolean> {
  const base = /\/v1\/?$/.test(t.url) ? t.url : `${t.url.replace(/\/+$/, "")}/v1`;
  const server = await probeOpenAiServer(base);
  const reachable = server.probed["/v1/models"] === 200;
  console.log(`\nOpenAI-compatible server at ${base}`);
  console.log(
    `Status: ${reachable ? "healthy" : "unreachable"}${
      reachable ? ` (${server.kind}${server.build ? ` ${server.build}` : ""})` : ""
    }`,
  );
  if (!reachable) return false;
  console.log(`Models available: ${server.models.length}`);
  for (const m of server.models) console.log(`  - ${m}`);
  const facts: string[] = [];
  if (server.contextSize) facts.push(`context ${server.contextSize}`);
  if (server.slots) facts.push(`${server.slots} slot(s)`);
  if (server.modelPath) facts.push(`file ${server.modelPath}`);
  if (server.format || server.quantization) {
    facts.push(`${server.format ?? "?"} ${server.quantization ?? "?"}`);
  }
  if (facts.length) console.log(`Server: ${facts.join(", ")}`);
  let ok = true;
  for (const [key, model] of t.models) {
    const listed = server.models.length === 0 || server.models.includes(model.model_id);
    ok = verdict(
      key,
      model,
      listed
        ? {
          id: model.model_id,
          format: server.format,
          quantization: server.quantization,
          loaded: null,
          maxContextLength: server.contextSize,
          details: {},
        }
        : null,
    ) && ok;
  }
  return ok;
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    models: { type: "string" },
    "base-url": { type: "string" },
    "config-dir": { type: "string" },
    "allow-remote": { type: "boolean" },
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const baseUrl = values["base-url"];
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
    throw new UsageError(
      `Flag --base-url must be a URL: current value is ${JSON.stringify(baseUrl)}`,
    );
  }
  const config = await loadProjectConfig({
    configDir: dirFlag("config-dir", values["config-dir"], { mustExist: true }),
  });
  const served = Object.fromEntries(
    Object.entries(config.models).filter(([, m]) => m.backend !== "embedded"),
  );
  const keys = values.models ? selectNames("model", served, values.models) : Object.keys(served);
  const targets = new Map<string, Target>();
  const allowRemote = values["allow-remote"] === true;
  for (const key of keys) {
    const m = served[key];
    // Loopback only unless allowed, checked before any connection (as for perf and eval).
    const url = resolveModelEndpoint(key, m, config.experiment, { baseUrl, allowRemote })?.url;
    if (!url) {
      console.log(`[Skip] ${key}: no base_url (its server is launched by 'deno task rounds')`);
      continue;
    }
    const kind = m.backend === "lmstudio" ? "lmstudio" : "openai";
    const t = targets.get(`${kind} ${url}`) ?? { url, kind, models: [] };
    t.models.push([key, m]);
    targets.set(`${kind} ${url}`, t);
  }
  if (targets.size === 0 && baseUrl) {
    checkEndpoint(baseUrl, { source: "<command line>", field: "--base-url", allowRemote });
    targets.set(`openai ${baseUrl}`, { url: baseUrl, kind: "openai", models: [] });
  }
  let ok = true;
  for (const t of targets.values()) {
    ok = (t.kind === "lmstudio" ? await checkLmStudio(t) : await checkOpenAi(t)) && ok;
  }
  console.log(
    ok
      ? "\nAll servers healthy, every model served as configured."
      : "\nSome checks failed (✗ above).",
  );
  return ok ? 0 : 1;
}

if (import.meta.main) await runMain(() => main(Deno.args));
