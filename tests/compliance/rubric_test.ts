/** The rubric file: the project's loads and covers the frameworks; broken ones are refused clearly. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  checkRubricProbeSets,
  loadProbeSets,
  loadRubric,
  NIST_SUBCATEGORIES,
  OWASP_LLM_2025,
} from "../../lib/compliance/mod.ts";
import { ROOT } from "../helpers/mod.ts";
import { FIXTURE_RUBRIC } from "./_helpers.ts";

const RUBRIC = join(ROOT, "configs/compliance.yaml");

// deno-lint-ignore no-explicit-any -- free-form edits of parsed YAML
type Yaml = Record<string, any>;

async function withRubric(edit: (r: Yaml) => void): Promise<string> {
  const data = parse(await Deno.readTextFile(RUBRIC));
  edit(data);
  const dir = await Deno.makeTempDir();
  const path = join(dir, "compliance.yaml");
  await Deno.writeTextFile(path, stringify(data));
  return path;
}

Deno.test("configs/compliance.yaml assesses every OWASP 2025 item, all four NIST functions, and matches the probe sets", async () => {
  const rubric = await loadRubric(RUBRIC);
  for (const id of Object.keys(OWASP_LLM_2025)) assert.ok(rubric.risks[id], `${id} is assessed`);
  for (const fn of ["GOVERN", "MAP", "MEASURE", "MANAGE"]) {
    assert.ok(Object.keys(rubric.nist[fn]).length >= 1, `${fn} has subcategories`);
    for (const id of Object.keys(rubric.nist[fn])) {
      assert.ok(NIST_SUBCATEGORIES[fn as "MAP"].includes(id));
    }
  }
  assert.deepEqual(rubric.scales.likelihood.map((l) => l.level), [1, 2, 3, 4, 5]);
  assert.equal(rubric.likelihood_from_failure_rate.bands.at(-1)?.max_rate, 1);
  const { sets } = await loadProbeSets();
  checkRubricProbeSets(rubric, sets, RUBRIC);
});

Deno.test("NIST_SUBCATEGORIES lists the 72 subcategories of AI RMF 1.0", () => {
  const all = Object.values(NIST_SUBCATEGORIES).flat();
  // GOVERN 19 + MAP 18 + MEASURE 22 + MANAGE 13 (NIST AI 100-1, Tables 1-4)
  assert.equal(all.length, 72);
  assert.ok(all.includes("MEASURE 2.13") && all.includes("GOVERN 6.2") && !all.includes("MAP 5.3"));
});

Deno.test("a rubric with an unknown OWASP control id is refused, naming the field and the known ids", async () => {
  const path = await withRubric((r) => {
    r.risks.LLM11 = r.risks.LLM10;
  });
  await assert.rejects(() => loadRubric(path), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /'risks\.LLM11' is not a known control id: the OWASP Top 10 for LLM Applications 2025 ids are LLM01, .*LLM10.*current value is "LLM11"/,
    );
    return true;
  });
});

Deno.test("a rubric with an unknown NIST subcategory is refused", async () => {
  const path = await withRubric((r) => {
    r.nist.MEASURE["MEASURE 2.14"] = r.nist.MEASURE["MEASURE 2.7"];
  });
  await assert.rejects(() => loadRubric(path), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /'nist\.MEASURE\.MEASURE 2\.14' is not a known control id: NIST AI RMF 1\.0 MEASURE subcategories are MEASURE 1\.1 … MEASURE 4\.3/,
    );
    return true;
  });
});

Deno.test("a rubric with a missing scale is refused with a clear error", async () => {
  const path = await withRubric((r) => {
    delete r.scales.impact;
  });
  await assert.rejects(() => loadRubric(path), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /'scales\.impact' must be given: the impact scale is missing \(a list of levels 1\.\.N\): current value is missing/,
    );
    return true;
  });
});

Deno.test("a rubric without the failure-rate bands, or with bands that stop short of 1, is refused", async () => {
  const missing = await withRubric((r) => {
    delete r.likelihood_from_failure_rate;
  });
  await assert.rejects(
    () => loadRubric(missing),
    /'likelihood_from_failure_rate' must be given: how failure rates move likelihood/,
  );
  const short = await withRubric((r) => {
    r.likelihood_from_failure_rate.bands.pop();
  });
  await assert.rejects(() => loadRubric(short), /must end with a band of max_rate 1/);
});

Deno.test("a rubric missing an OWASP item, with a gap in a scale, or an impact off the scale is refused", async () => {
  const noItem = await withRubric((r) => {
    delete r.risks.LLM08;
  });
  await assert.rejects(
    () => loadRubric(noItem),
    /'risks\.LLM08' is required: the rubric must assess every OWASP 2025 item \(Vector and Embedding Weaknesses\)/,
  );
  const gap = await withRubric((r) => {
    r.scales.likelihood[2].level = 4;
  });
  await assert.rejects(
    () => loadRubric(gap),
    /'scales\.likelihood\.2\.level' must be 3: levels run 1\.\.N in order: current value is 4/,
  );
  const offScale = await withRubric((r) => {
    r.risks.LLM02.impact = 6;
  });
  await assert.rejects(
    () => loadRubric(offScale),
    /'risks\.LLM02\.impact' is beyond the impact scale: current value is 6/,
  );
});

Deno.test("an attestation marked in place without who and when, or an unknown mitigation or fact, is refused", async () => {
  const noWho = await withRubric((r) => {
    r.attestations.human_confirmation_for_payments.status = "in_place";
  });
  await assert.rejects(
    () => loadRubric(noWho),
    /'attestations\.human_confirmation_for_payments\.attested_by' must name who attested/,
  );
  const badMitigation = await withRubric((r) => {
    r.risks.LLM01.mitigations.push({ id: "magic_filter", likelihood: 5 });
  });
  await assert.rejects(
    () => loadRubric(badMitigation),
    /'risks\.LLM01\.mitigations\.2' is not a known mitigation: .*current value is "magic_filter"/,
  );
  const badFact = await withRubric((r) => {
    r.mitigations.on_device_inference.evidence = { fact: "vibes" };
  });
  await assert.rejects(
    () => loadRubric(badFact),
    /'mitigations\.on_device_inference\.evidence\.fact' is not a known fact: .*current value is "vibes"/,
  );
});

Deno.test("a rubric that names a probe set that does not exist, or a set under the wrong risk, is refused", async () => {
  const { sets } = await loadProbeSets();
  const rubric = await loadRubric(FIXTURE_RUBRIC);
  rubric.risks.LLM05.evidence.probe_sets = ["improper_output_handling", "nope"];
  assert.throws(
    () => checkRubricProbeSets(rubric, sets, "r.yaml"),
    /'risks\.LLM05\.evidence\.probe_sets\.1' is not a probe set under data\/compliance/,
  );
  const swapped = await loadRubric(FIXTURE_RUBRIC);
  swapped.risks.LLM07.evidence.probe_sets = ["excessive_agency"];
  assert.throws(() => checkRubricProbeSets(swapped, sets, "r.yaml"), /measures LLM06, not LLM07/);
});
