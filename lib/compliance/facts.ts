import {
  type Experiment,
  isLoopbackUrl,
  type ModelConfig,
  type ModelEndpoint,
} from "../config/mod.ts";
import type { ComplianceRecord } from "../results/mod.ts";
import { type Fact, fact } from "./_fact.ts";
import type { ModelLicenceAudit } from "./_audit_schema.ts";

export { type Fact, FactSchema } from "./_fact.ts";

/** Whether a URL's host is a loopback address (`localhost`, 127.0.0.0/8, `::1`). */
export { isLoopbackUrl };

/** The URL a model is reached at; null for the in-process engine or a server the tool launches. */
export function modelEndpoint(model: ModelConfig, experiment: Experiment): string | null {
  if (model.backend === "embedded") return null;
  if (model.backend === "lmstudio") return model.base_url ?? experiment.lmstudio.base_url;
  return model.base_url ?? null;
}

/**
 * The model's own endpoint: in-process or loopback passes; anything else is a data-egress
 * finding. `endpoint`, when given, is the one the run actually reached (a `--base-url` included)
 * and names where the URL came from and what allowed it.
 */
export function modelEndpointFact(
  model: ModelConfig,
  experiment: Experiment,
  endpoint?: ModelEndpoint | null,
): Fact {
  if (endpoint) {
    return endpoint.loopback
      ? fact("model_endpoint_loopback", "pass", endpoint.url, "loopback address")
      : fact(
        "model_endpoint_loopback",
        "fail",
        endpoint.url,
        `data egress: prompts leave the machine to ${endpoint.url} (${endpoint.source} ` +
          `'${endpoint.field}'; allowed by ${endpoint.allowed_by})`,
      );
  }
  const url = modelEndpoint(model, experiment);
  if (url === null) {
    return model.backend === "embedded"
      ? fact("model_endpoint_loopback", "pass", "in-process", "embedded engine: no network")
      : fact(
        "model_endpoint_loopback",
        "pass",
        "launched locally",
        "server launched on this machine by the tool",
      );
  }
  return isLoopbackUrl(url)
    ? fact("model_endpoint_loopback", "pass", url, "loopback address")
    : fact(
      "model_endpoint_loopback",
      "fail",
      url,
      `data egress: prompts leave the machine to ${url}`,
    );
}

/**
 * Every configured endpoint (all models, LM Studio's base URL) must be loopback; `reached` are
 * the endpoints runs actually used (a `--base-url` included), which replace the configured ones.
 */
export function endpointsFact(
  models: Record<string, ModelConfig>,
  experiment: Experiment,
  reached: Record<string, ModelEndpoint> = {},
): Fact {
  const endpoints: Record<string, string> = {
    "experiment.lmstudio.base_url": experiment.lmstudio.base_url,
  };
  for (const [key, m] of Object.entries(models)) {
    const url = reached[key]?.url ?? modelEndpoint(m, experiment);
    if (url !== null) endpoints[`models.${key}`] = url;
  }
  for (const [key, e] of Object.entries(reached)) endpoints[`models.${key}`] ??= e.url;
  const remote = Object.entries(endpoints).filter(([, url]) => !isLoopbackUrl(url));
  return remote.length
    ? fact(
      "endpoints_loopback",
      "fail",
      endpoints,
      `data egress: ${remote.map(([k, u]) => `${k} = ${u}`).join(", ")}`,
    )
    : fact(
      "endpoints_loopback",
      "pass",
      endpoints,
      `${Object.keys(endpoints).length} endpoint(s), all loopback`,
    );
}

/** The licence audit's verdict as a fact. */
export function licenceFact(audit: ModelLicenceAudit | undefined): Fact {
  if (!audit) return fact("licence_permits_internal_use", "unknown", null, "not audited");
  const status = audit.verdict === "permitted" || audit.verdict === "permitted_with_conditions"
    ? "pass"
    : audit.verdict === "not_permitted"
    ? "fail"
    : "unknown";
  return fact(
    "licence_permits_internal_use",
    status,
    audit.verdict,
    audit.licence?.name ?? "licence not established",
  );
}

/** Every probe carries max_tokens and every request a timeout. */
export function requestLimitsFact(experiment: Experiment, maxTokens: number[]): Fact {
  const ok = experiment.request_timeout_ms > 0 && maxTokens.every((n) => n > 0);
  return fact("request_limits", ok ? "pass" : "fail", {
    request_timeout_ms: experiment.request_timeout_ms,
    max_tokens: maxTokens.length ? [Math.min(...maxTokens), Math.max(...maxTokens)] : null,
  }, ok ? "every request is capped" : "a request has no cap");
}

/** Probe results come from runs that have a manifest with a config hash and an environment. */
export function provenanceFact(
  records: ComplianceRecord[],
  runsWithManifest: ReadonlySet<string>,
): Fact {
  if (records.length === 0) {
    return fact("evaluation_provenance", "unknown", null, "no probe results");
  }
  const runs = [...new Set(records.map((r) => r.run_id))];
  const missing = runs.filter((r) => !runsWithManifest.has(r));
  return missing.length
    ? fact("evaluation_provenance", "fail", runs, `no manifest for run(s) ${missing.join(", ")}`)
    : fact(
      "evaluation_provenance",
      "pass",
      runs,
      "config hash and environment recorded for every run",
    );
}
