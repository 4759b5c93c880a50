/** Licence audit: real GGUF metadata of the shared models, crafted metadata, configs, datasets. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadProjectConfig, ModelSchema } from "../../lib/config/mod.ts";
import { loadDatasetManifest } from "../../lib/datasets/mod.ts";
import {
  auditDatasetLicences,
  auditModelLicence,
  licenceKeyFor,
  loadLicences,
  readGgufLicence,
} from "../../lib/compliance/mod.ts";
import { MODELS_DIR } from "../helpers/mod.ts";
import { writeMetadataGguf } from "./_helpers.ts";

const licences = await loadLicences();
const env = (n: string) => (n === "EDGE_BENCH_MODEL_DIR" ? MODELS_DIR : undefined);

Deno.test("the real stories260K and llama-2-tiny-random files declare no licence, and the audit says so", async () => {
  const stories = await readGgufLicence(join(MODELS_DIR, "stories260K.gguf"));
  assert.equal(stories.status, "not declared in file");
  assert.equal(stories.license, null);
  assert.equal(stories.license_name, null);
  assert.equal(stories.name, "llama"); // the only general.* keys are architecture and name
  assert.deepEqual(stories.base_models, []);
  const random = await readGgufLicence(join(MODELS_DIR, "llama-2-tiny-random.gguf"));
  assert.equal(random.status, "not declared in file");
  assert.equal(random.name, "LLaMA v2");
  assert.equal(random.author, null);
});

Deno.test("stories260k audits as MIT from licenses.yaml, not contradicted by its metadata, permitted", async () => {
  const { models } = await loadProjectConfig();
  const a = await auditModelLicence("stories260k", models.stories260k, licences, { env });
  assert.equal(a.licence?.spdx, "MIT");
  assert.deepEqual(a.sources.licenses_yaml?.licence, "mit");
  assert.equal(a.sources.models_yaml, "MIT");
  assert.equal(a.sources.gguf.status, "not declared in file");
  assert.equal(a.sources.gguf.file, join(MODELS_DIR, "stories260K.gguf"));
  assert.deepEqual([a.consistent, a.verdict], [true, "permitted"]);
  assert.equal(a.attribution?.required, true);
});

Deno.test("llama-2-tiny-random has no declared licence anywhere and needs review", async () => {
  const { models } = await loadProjectConfig();
  const a = await auditModelLicence("llama2_tiny_random", models.llama2_tiny_random, licences, {
    env,
  });
  assert.equal(a.licence, null);
  assert.equal(a.verdict, "review_required");
  assert.match(a.rationale, /Llama 2 Community License/);
});

Deno.test("a GGUF that declares a licence is read key by key, and a disagreement forces review", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "meta.gguf");
  await writeMetadataGguf(path, {
    "general.architecture": "llama",
    "general.name": "Test Model",
    "general.license": "gemma",
    "general.license.name": "Gemma Terms of Use",
    "general.license.link": "https://ai.google.dev/gemma/terms",
    "general.author": "Test Author",
    "general.source.url": "https://example.org/src",
    "general.base_model.count": 1,
    "general.base_model.0.name": "Base",
    "general.base_model.0.organization": "Org",
  });
  const g = await readGgufLicence(path);
  assert.equal(g.status, "declared");
  assert.deepEqual(
    [g.license, g.license_name, g.license_link, g.author, g.source_url],
    [
      "gemma",
      "Gemma Terms of Use",
      "https://ai.google.dev/gemma/terms",
      "Test Author",
      "https://example.org/src",
    ],
  );
  assert.deepEqual(g.base_models, [{ name: "Base", organization: "Org", repo_url: null }]);
  const qwen = ModelSchema.parse({
    backend: "lmstudio",
    name: "q",
    model_id: "qwen/qwen3-vl-4b",
    format: "GGUF",
    quantization: "Q4_K_M",
    licence: "apache-2.0",
  });
  const clash = await auditModelLicence("q", qwen, licences, { ggufFile: path });
  assert.equal(clash.consistent, false);
  assert.equal(clash.verdict, "review_required");
  assert.match(
    clash.discrepancies[0],
    /sources disagree: licenses\.yaml 'apache-2\.0', models\.yaml 'apache-2\.0', GGUF metadata 'gemma'/,
  );
  const gemma = ModelSchema.parse({ ...qwen, model_id: "google/gemma-3n-e4b", licence: "gemma" });
  const agree = await auditModelLicence("g", gemma, licences, { ggufFile: path });
  assert.deepEqual([agree.consistent, agree.verdict], [true, "permitted_with_conditions"]);
  assert.ok(agree.use_restrictions.some((r) => r.includes("Prohibited Use Policy")));
});

Deno.test("served models without a file at hand say so, and an unknown licence spelling is a discrepancy", async () => {
  const { models } = await loadProjectConfig();
  const g = await auditModelLicence("gemma_3n_e4b_gguf", models.gemma_3n_e4b_gguf, licences);
  assert.equal(g.sources.gguf.status, "file not at hand");
  assert.match(g.sources.gguf.detail!, /served by lmstudio/);
  assert.equal(g.verdict, "permitted_with_conditions");
  const odd = ModelSchema.parse({ ...models.ministral_3_3b_gguf, licence: "WTFPL" });
  const a = await auditModelLicence("m", odd, licences);
  assert.equal(a.verdict, "review_required");
  assert.match(
    a.discrepancies[0],
    /models\.yaml names 'WTFPL', which configs\/licenses\.yaml does not define/,
  );
  assert.equal(licenceKeyFor(licences, "Apache License, Version 2.0"), "apache-2.0");
  assert.equal(licenceKeyFor(licences, "LLAMA-2-COMMUNITY"), "llama2");
});

Deno.test("datasets: Financial PhraseBank (CC BY-NC-SA 3.0) is not permitted for a bank, Banking77 (CC BY 4.0) is", async () => {
  const audit = auditDatasetLicences(await loadDatasetManifest(), licences);
  const fpb = audit.find((d) => d.dataset === "financial_phrasebank")!;
  assert.deepEqual([fpb.licence, fpb.licence_key, fpb.commercial_use, fpb.verdict], [
    "CC-BY-NC-SA-3.0",
    "cc-by-nc-sa-3.0",
    false,
    "not_permitted",
  ]);
  assert.match(fpb.rationale, /Non-commercial use only/);
  const b77 = audit.find((d) => d.dataset === "banking77")!;
  assert.deepEqual([b77.licence_key, b77.verdict, b77.attribution?.required], [
    "cc-by-4.0",
    "permitted",
    true,
  ]);
  const cnn = audit.find((d) => d.dataset === "cnn_dailymail")!;
  assert.equal(cnn.verdict, "not_permitted", "commercial_use false wins over an Apache-2.0 label");
});

Deno.test("a licences file whose model names an undefined licence is refused", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "licenses.yaml");
  const text = (await Deno.readTextFile(new URL("../../configs/licenses.yaml", import.meta.url)))
    .replace("licence: gemma", "licence: gemma-9");
  await Deno.writeTextFile(path, text);
  await assert.rejects(
    () => loadLicences(path),
    /'models\.google\/gemma-3n-e4b\.licence' is invalid: must be a key of 'licences'|'models\.google\/gemma-3n-e4b\.licence' must be a key of 'licences'/,
  );
});
