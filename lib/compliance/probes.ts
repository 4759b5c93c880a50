import { basename, join } from "node:path";
import { z } from "zod";
import type { ChatRequest } from "../backends/mod.ts";
import { ConfigError, configHash, loadYamlFile, PROJECT_ROOT } from "../config/mod.ts";
import { CONTROL_RISK, OWASP_LLM_2025, RISK_IDS } from "./_catalogue.ts";
import { type DetectorConfig, DetectorSchema } from "./detectors.ts";

/** Where the probe sets live by default: `data/compliance/`. */
export const DEFAULT_PROBES_DIR: string = join(PROJECT_ROOT, "data", "compliance");

const idName = z.string().regex(/^[a-z0-9][a-z0-9_]*$/, "must be lower-case letters, digits, _");

/** A crafted reply: text, plus the token count and finish reason a server would report. */
const ExampleSchema = z.union([
  z.string(),
  z.object({
    text: z.string(),
    output_tokens: z.number().int().nonnegative().optional(),
    finish_reason: z.string().optional(),
  }).strict(),
]);

/** One probe: the request, its detector, and a reply that must fail and one that must pass. */
export const ProbeSchema = z.object({
  id: idName,
  title: z.string().min(1),
  /** System prompt; overrides the set's default. */
  system: z.string().min(1).optional(),
  user: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  detector: DetectorSchema,
  /** Crafted replies that document the detector: tests assert both. */
  examples: z.object({ fail: ExampleSchema, pass: ExampleSchema }).strict(),
}).strict();

/** data/compliance/<id>.yaml */
export const ProbeSetSchema = z.object({
  id: idName,
  /** The risk the set measures, or CONTROL for instruction-following controls (not scored). */
  risk: z.string().refine((r) => RISK_IDS.includes(r) || r === CONTROL_RISK, {
    message: `must be a risk id (${RISK_IDS.join(", ")}) or ${CONTROL_RISK}`,
  }),
  title: z.string().min(1),
  description: z.string().min(1),
  defaults: z.object({
    system: z.string().min(1).optional(),
    max_tokens: z.number().int().positive().optional(),
  }).strict().default({}),
  probes: z.array(ProbeSchema).min(1),
}).strict();

/** A parsed probe set. */
export type ProbeSet = z.output<typeof ProbeSetSchema>;

/** A crafted reply, normalised. */
export interface ProbeExample {
  text: string;
  outputTokens: number | null;
  finishReason: string | null;
}

/** A probe with its set's defaults applied and its content hash. */
export interface ResolvedProbe {
  id: string;
  set: string;
  risk: string;
  /** OWASP 2025 id, or null for risks outside the list. */
  owasp: string | null;
  title: string;
  system: string | null;
  user: string;
  /** null: the rubric's `run.max_tokens`. */
  maxTokens: number | null;
  detector: DetectorConfig;
  examples: { fail: ProbeExample; pass: ProbeExample };
  /** sha256 of what the model is asked and how the reply is judged (examples excluded). */
  sha256: string;
}

/** Every probe set of a folder, and their probes in file order. */
export interface ProbeCatalogue {
  sets: ProbeSet[];
  probes: ResolvedProbe[];
}

function example(e: z.output<typeof ExampleSchema>): ProbeExample {
  return typeof e === "string" ? { text: e, outputTokens: null, finishReason: null } : {
    text: e.text,
    outputTokens: e.output_tokens ?? null,
    finishReason: e.finish_reason ?? null,
  };
}

/** Read every `*.yaml` probe set of a folder (file name = set id; probe ids unique). */
export async function loadProbeSets(dir: string = DEFAULT_PROBES_DIR): Promise<ProbeCatalogue> {
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".yaml"))
      .map((e) => e.name).sort();
  } catch (error) {
    throw new ConfigError(dir, "", undefined, "cannot be read as a folder of probe sets", {
      cause: error,
    });
  }
  if (names.length === 0) throw new ConfigError(dir, "", [], "holds no probe set (*.yaml)");
  const sets: ProbeSet[] = [];
  const probes: ResolvedProbe[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const set = await loadYamlFile(file, ProbeSetSchema);
    if (`${set.id}.yaml` !== basename(file)) {
      throw new ConfigError(file, "id", set.id, `must match the file name (${name})`);
    }
    for (const [i, p] of set.probes.entries()) {
      const other = seen.get(p.id);
      if (other) throw new ConfigError(file, `probes.${i}.id`, p.id, `is already used in ${other}`);
      seen.set(p.id, file);
      const system = p.system ?? set.defaults.system ?? null;
      const maxTokens = p.max_tokens ?? set.defaults.max_tokens ?? null;
      probes.push({
        id: p.id,
        set: set.id,
        risk: set.risk,
        owasp: Object.hasOwn(OWASP_LLM_2025, set.risk) ? set.risk : null,
        title: p.title,
        system,
        user: p.user,
        maxTokens,
        detector: p.detector,
        examples: { fail: example(p.examples.fail), pass: example(p.examples.pass) },
        sha256: await configHash({
          set: set.id,
          risk: set.risk,
          system,
          user: p.user,
          max_tokens: maxTokens,
          detector: p.detector,
        }),
      });
    }
    sets.push(set);
  }
  return { sets, probes };
}

/** Options for {@linkcode selectProbes}. */
export interface SelectProbesOptions {
  /** Probe set ids to keep. @default every set */
  sets?: string[];
  /** Keep the first N probes of each set. @default all */
  limitPerSet?: number;
}

/** Keep some probe sets and the first N probes of each, in catalogue order. */
export function selectProbes(
  probes: ResolvedProbe[],
  options: SelectProbesOptions = {},
): ResolvedProbe[] {
  const taken = new Map<string, number>();
  return probes.filter((p) => {
    if (options.sets && !options.sets.includes(p.set)) return false;
    const n = taken.get(p.set) ?? 0;
    if (options.limitPerSet !== undefined && n >= options.limitPerSet) return false;
    taken.set(p.set, n + 1);
    return true;
  });
}

/** Options for {@linkcode probeRequest}. */
export interface ProbeRequestOptions {
  /** Used when the probe names none. @default 256 */
  defaultMaxTokens?: number;
  /** Caps every probe's max_tokens (quick runs). @default no cap */
  maxTokensCap?: number;
  /** @default 0 */
  temperature?: number;
  /** @default 42 */
  seed?: number;
}

/** The chat request a probe sends. */
export function probeRequest(probe: ResolvedProbe, options: ProbeRequestOptions = {}): ChatRequest {
  const wanted = probe.maxTokens ?? options.defaultMaxTokens ?? 256;
  return {
    messages: [
      ...(probe.system ? [{ role: "system" as const, content: probe.system }] : []),
      { role: "user" as const, content: probe.user },
    ],
    maxTokens: options.maxTokensCap ? Math.min(wanted, options.maxTokensCap) : wanted,
    temperature: options.temperature ?? 0,
    seed: options.seed ?? 42,
  };
}
