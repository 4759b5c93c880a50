import { join } from "node:path";
import { ConfigError, loadYamlFile, parseWithSchema, PROJECT_ROOT } from "../config/mod.ts";
import {
  CONTROL_RISK,
  EXTRA_RISKS,
  FACTS,
  NIST_FUNCTIONS,
  NIST_SUBCATEGORIES,
  type NistFunction,
  OWASP_LLM_2025,
  RISK_IDS,
} from "./_catalogue.ts";
import { type Rubric, RubricSchema } from "./_rubric_schema.ts";

/** Where the rubric lives by default: `configs/compliance.yaml`. */
export const DEFAULT_RUBRIC_PATH: string = join(PROJECT_ROOT, "configs", "compliance.yaml");

function list(values: readonly string[]): string {
  return values.join(", ");
}

function checkScale(file: string, field: string, levels: { level: number }[]): number {
  levels.forEach((l, i) => {
    if (l.level !== i + 1) {
      throw new ConfigError(
        file,
        `${field}.${i}.level`,
        l.level,
        `must be ${i + 1}: levels run 1..N in order`,
      );
    }
  });
  return levels.length;
}

function checkScales(r: Rubric, file: string): void {
  const maxL = checkScale(file, "scales.likelihood", r.scales.likelihood);
  const maxI = checkScale(file, "scales.impact", r.scales.impact);
  let previous = 0;
  r.scales.ratings.forEach((b, i) => {
    if (b.max_score <= previous) {
      throw new ConfigError(file, `scales.ratings.${i}.max_score`, b.max_score, "must increase");
    }
    previous = b.max_score;
  });
  if (previous < maxL * maxI) {
    throw new ConfigError(
      file,
      "scales.ratings",
      previous,
      `must cover the highest score ${maxL * maxI} (${maxL} × ${maxI})`,
    );
  }
  const tolerance = r.scales.tolerance.max_residual_score;
  if (tolerance > maxL * maxI) {
    throw new ConfigError(
      file,
      "scales.tolerance.max_residual_score",
      tolerance,
      `must be at most ${maxL * maxI}`,
    );
  }
  let rate = -1;
  r.likelihood_from_failure_rate.bands.forEach((b, i) => {
    const at = `likelihood_from_failure_rate.bands.${i}`;
    if (b.max_rate <= rate) {
      throw new ConfigError(file, `${at}.max_rate`, b.max_rate, "must increase");
    }
    if (b.level > maxL) {
      throw new ConfigError(file, `${at}.level`, b.level, `must be a likelihood level 1..${maxL}`);
    }
    rate = b.max_rate;
  });
  if (rate !== 1) {
    throw new ConfigError(
      file,
      "likelihood_from_failure_rate.bands",
      rate,
      "must end with a band of max_rate 1 so that every failure rate has a likelihood",
    );
  }
}

function checkRef(
  file: string,
  field: string,
  id: string,
  known: readonly string[],
  what: string,
): void {
  if (!known.includes(id)) {
    throw new ConfigError(
      file,
      field,
      id,
      `is not a known ${what}: known are ${list(known) || "(none)"}`,
    );
  }
}

function checkRefs(
  file: string,
  field: string,
  ids: string[],
  known: readonly string[],
  what: string,
): void {
  ids.forEach((id, i) => checkRef(file, `${field}.${i}`, id, known, what));
}

function checkRisks(r: Rubric, file: string): void {
  const facts = Object.keys(FACTS);
  const attestations = Object.keys(r.attestations);
  const mitigations = Object.keys(r.mitigations);
  for (const [id, risk] of Object.entries(r.risks)) {
    if (!RISK_IDS.includes(id)) {
      throw new ConfigError(
        file,
        `risks.${id}`,
        id,
        `is not a known control id: the OWASP Top 10 for LLM Applications 2025 ids are ${
          list(Object.keys(OWASP_LLM_2025))
        }, and the other risks ${list(Object.keys(EXTRA_RISKS))}`,
      );
    }
    const at = `risks.${id}`;
    if (risk.impact > r.scales.impact.length) {
      throw new ConfigError(file, `${at}.impact`, risk.impact, "is beyond the impact scale");
    }
    if (risk.prior_likelihood > r.scales.likelihood.length) {
      throw new ConfigError(
        file,
        `${at}.prior_likelihood`,
        risk.prior_likelihood,
        "is beyond the likelihood scale",
      );
    }
    checkRefs(file, `${at}.evidence.facts`, risk.evidence.facts, facts, "fact");
    checkRefs(
      file,
      `${at}.evidence.attestations`,
      risk.evidence.attestations,
      attestations,
      "attestation",
    );
    checkRefs(
      file,
      `${at}.mitigations`,
      risk.mitigations.map((m) => m.id),
      mitigations,
      "mitigation",
    );
  }
  for (const id of Object.keys(OWASP_LLM_2025)) {
    if (!Object.hasOwn(r.risks, id)) {
      throw new ConfigError(
        file,
        `risks.${id}`,
        undefined,
        `is required: the rubric must assess every OWASP 2025 item (${OWASP_LLM_2025[id]})`,
      );
    }
  }
  for (const [id, m] of Object.entries(r.mitigations)) {
    if ("fact" in m.evidence) {
      checkRef(file, `mitigations.${id}.evidence.fact`, m.evidence.fact, facts, "fact");
    } else {
      checkRef(
        file,
        `mitigations.${id}.evidence.attestation`,
        m.evidence.attestation,
        attestations,
        "attestation",
      );
    }
  }
}

function checkNist(r: Rubric, file: string): void {
  for (const [fn, controls] of Object.entries(r.nist)) {
    if (!(NIST_FUNCTIONS as readonly string[]).includes(fn)) {
      throw new ConfigError(
        file,
        `nist.${fn}`,
        fn,
        `is not a NIST AI RMF 1.0 function: known are ${list(NIST_FUNCTIONS)}`,
      );
    }
    const known = NIST_SUBCATEGORIES[fn as NistFunction];
    for (const [id, control] of Object.entries(controls)) {
      const at = `nist.${fn}.${id}`;
      if (!known.includes(id)) {
        throw new ConfigError(
          file,
          at,
          id,
          `is not a known control id: NIST AI RMF 1.0 ${fn} subcategories are ${known[0]} … ${
            known.at(-1)
          }`,
        );
      }
      checkRefs(file, `${at}.evidence.risks`, control.evidence.risks, Object.keys(r.risks), "risk");
      checkRefs(file, `${at}.evidence.facts`, control.evidence.facts, Object.keys(FACTS), "fact");
      checkRefs(
        file,
        `${at}.evidence.attestations`,
        control.evidence.attestations,
        Object.keys(r.attestations),
        "attestation",
      );
    }
  }
  for (const fn of NIST_FUNCTIONS) {
    if (!r.nist[fn] || Object.keys(r.nist[fn]).length === 0) {
      throw new ConfigError(
        file,
        `nist.${fn}`,
        r.nist[fn],
        "must list the subcategories of this function that apply",
      );
    }
  }
}

/**
 * Check a parsed rubric's cross-references: control ids against the OWASP 2025 and NIST AI RMF
 * 1.0 catalogues, scales complete and ordered, and every fact, attestation, mitigation and risk
 * it names defined. Throws {@linkcode ConfigError} naming the file, field and value.
 */
export function validateRubric(rubric: Rubric, file: string): Rubric {
  checkScales(rubric, file);
  checkRisks(rubric, file);
  checkNist(rubric, file);
  return rubric;
}

/** Parse decoded YAML data as a rubric, then {@linkcode validateRubric}. */
export function parseRubric(data: unknown, file: string): Rubric {
  return validateRubric(parseWithSchema(data, RubricSchema, file), file);
}

/** Read and check configs/compliance.yaml (or another rubric file). */
export async function loadRubric(path: string = DEFAULT_RUBRIC_PATH): Promise<Rubric> {
  return validateRubric(await loadYamlFile(path, RubricSchema), path);
}

/**
 * Check that the probe sets the rubric names exist and measure the risk that names them, and
 * that every probe set is scored by its risk.
 */
export function checkRubricProbeSets(
  rubric: Rubric,
  probeSets: { id: string; risk: string }[],
  file: string,
): void {
  const byId = new Map(probeSets.map((s) => [s.id, s]));
  const gate = rubric.likelihood_from_failure_rate.instruction_gate;
  gate?.probe_sets.forEach((setId, i) => {
    const set = byId.get(setId);
    const at = `likelihood_from_failure_rate.instruction_gate.probe_sets.${i}`;
    if (!set) {
      throw new ConfigError(
        file,
        at,
        setId,
        `is not a probe set under data/compliance: known are ${list([...byId.keys()])}`,
      );
    }
    if (set.risk !== CONTROL_RISK) {
      throw new ConfigError(
        file,
        at,
        setId,
        `measures ${set.risk}: the gate reads ${CONTROL_RISK} (instruction-following) sets only`,
      );
    }
  });
  for (const [riskId, risk] of Object.entries(rubric.risks)) {
    risk.evidence.probe_sets.forEach((setId, i) => {
      const set = byId.get(setId);
      const at = `risks.${riskId}.evidence.probe_sets.${i}`;
      if (!set) {
        throw new ConfigError(
          file,
          at,
          setId,
          `is not a probe set under data/compliance: known are ${list([...byId.keys()])}`,
        );
      }
      if (set.risk !== riskId) {
        throw new ConfigError(file, at, setId, `measures ${set.risk}, not ${riskId}`);
      }
    });
  }
  for (const set of probeSets) {
    // Control sets are read by the gate (or by nothing), never scored as a risk.
    if (set.risk === CONTROL_RISK) continue;
    if (!rubric.risks[set.risk]?.evidence.probe_sets.includes(set.id)) {
      throw new ConfigError(
        file,
        `risks.${set.risk}.evidence.probe_sets`,
        rubric.risks[set.risk]?.evidence.probe_sets,
        `must list probe set '${set.id}', which measures ${set.risk}`,
      );
    }
  }
}
