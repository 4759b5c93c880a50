/** Facts the tool captures itself: endpoints, model file and source, format, stored personal data. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ExperimentSchema, ModelSchema, resolveModelEndpoint } from "../../lib/config/mod.ts";
import {
  endpointsFact,
  findPersonalData,
  isLoopbackUrl,
  licenceFact,
  modelEndpointFact,
  modelFileFacts,
  personalDataFact,
  provenanceFact,
  requestLimitsFact,
} from "../../lib/compliance/mod.ts";
import { MODELS_DIR } from "../helpers/mod.ts";
import { record } from "./_helpers.ts";

const experiment = ExperimentSchema.parse({ name: "t" });
const STORIES_SHA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const STORIES_ENTRY = {
  backend: "embedded",
  name: "stories",
  model_id: "ggml-org/stories260K",
  format: "GGUF",
  quantization: "F32",
  file: "stories260K.gguf",
  download: {
    url: "https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf",
    sha256: STORIES_SHA,
  },
};
const stories = ModelSchema.parse(STORIES_ENTRY);
const lmstudio = (url?: string) =>
  ModelSchema.parse({
    backend: "lmstudio",
    name: "g",
    model_id: "google/gemma-3n-e4b",
    format: "MLX",
    quantization: "4bit",
    ...(url ? { base_url: url } : {}),
  });
const remote = ModelSchema.parse({
  backend: "openai",
  name: "r",
  model_id: "r",
  format: "GGUF",
  quantization: "Q4_K_M",
  base_url: "http://10.20.30.40:8080/v1",
});

async function emptyCache(): Promise<(n: string) => string | undefined> {
  const dir = await Deno.makeTempDir();
  return (n) => ({ EDGE_BENCH_MODEL_DIR: dir, XDG_CACHE_HOME: dir } as Record<string, string>)[n];
}

Deno.test("isLoopbackUrl accepts localhost, 127.0.0.0/8 and ::1 only", () => {
  for (
    const u of [
      "http://localhost:1234",
      "http://127.0.0.1:8080/v1",
      "http://127.8.9.10/",
      "http://[::1]:1234",
      "http://api.localhost/v1",
    ]
  ) {
    assert.equal(isLoopbackUrl(u), true, u);
  }
  for (
    const u of [
      "http://10.0.0.5:1234",
      "http://192.168.1.2/v1",
      "https://api.example.com/v1",
      "http://128.0.0.1",
      "not a url",
      "http://localhost.evil.example",
    ]
  ) {
    assert.equal(isLoopbackUrl(u), false, u);
  }
});

Deno.test("a non-loopback endpoint anywhere in the configuration is a data-egress finding", () => {
  const local = endpointsFact({ stories, gemma: lmstudio() }, experiment);
  assert.equal(local.status, "pass");
  assert.deepEqual(local.value, {
    "experiment.lmstudio.base_url": "http://localhost:1234",
    "models.gemma": "http://localhost:1234",
  });
  const egress = endpointsFact({ stories, remote }, experiment);
  assert.equal(egress.status, "fail");
  assert.equal(egress.detail, "data egress: models.remote = http://10.20.30.40:8080/v1");
  const lmRemote = endpointsFact({ stories }, {
    ...experiment,
    lmstudio: { ...experiment.lmstudio, base_url: "http://mac-studio.corp.example:1234" },
  });
  assert.equal(lmRemote.status, "fail");
  assert.equal(modelEndpointFact(stories, experiment).value, "in-process");
  assert.equal(modelEndpointFact(lmstudio("http://127.0.0.1:1234"), experiment).status, "pass");
  assert.equal(modelEndpointFact(remote, experiment).status, "fail");
});

Deno.test("the endpoint a run reached (--base-url, allowed) is the data-egress finding, with its source", () => {
  const gemma = lmstudio();
  const reached = resolveModelEndpoint("gemma", gemma, experiment, {
    baseUrl: "http://10.0.0.5:1234",
    allowRemote: true,
  })!;
  // The configuration alone says loopback: only the reached endpoint shows the egress.
  assert.equal(modelEndpointFact(gemma, experiment).status, "pass");
  const own = modelEndpointFact(gemma, experiment, reached);
  assert.equal(own.status, "fail");
  assert.equal(own.value, "http://10.0.0.5:1234");
  assert.equal(
    own.detail,
    "data egress: prompts leave the machine to http://10.0.0.5:1234 (<command line> " +
      "'--base-url'; allowed by --allow-remote)",
  );
  const all = endpointsFact({ stories, gemma }, experiment, { gemma: reached });
  assert.equal(all.status, "fail");
  assert.equal(all.detail, "data egress: models.gemma = http://10.0.0.5:1234");
});

Deno.test("the real stories260K file matches its pin, has a pinned source and is GGUF F32", async () => {
  const facts = await modelFileFacts(stories, {
    env: (n) => (n === "EDGE_BENCH_MODEL_DIR" ? MODELS_DIR : undefined),
  });
  assert.deepEqual(facts.map((f) => [f.id, f.status]), [
    ["model_file_sha256", "pass"],
    ["model_source", "pass"],
    ["model_format_quantization", "pass"],
  ]);
  assert.equal(facts[0].value, STORIES_SHA);
  assert.deepEqual(facts[2].value, { format: "GGUF", quantization: "F32" });
});

Deno.test("a wrong pin, a missing pin, a missing file and a wrong quantization are each reported", async () => {
  const env = (n: string) => (n === "EDGE_BENCH_MODEL_DIR" ? MODELS_DIR : undefined);
  const wrongPin = ModelSchema.parse({
    ...STORIES_ENTRY,
    download: { ...STORIES_ENTRY.download, sha256: "0".repeat(64) },
  });
  const [sha] = await modelFileFacts(wrongPin, { env });
  assert.equal(sha.status, "fail");
  assert.match(sha.detail, /does not match its pinned checksum/);
  const { download: _d, ...unpinnedEntry } = STORIES_ENTRY;
  const unpinned = await modelFileFacts(ModelSchema.parse(unpinnedEntry), { env });
  assert.deepEqual(unpinned.map((f) => f.status), ["fail", "unknown", "pass"]);
  assert.match(unpinned[0].detail, /no pinned sha256/);
  // A file found nowhere (the repository ships stories260K.gguf, so another name).
  const absent = ModelSchema.parse({ ...STORIES_ENTRY, file: "not-shipped-anywhere.gguf" });
  const missing = await modelFileFacts(absent, { env: await emptyCache() });
  assert.deepEqual(missing.map((f) => f.status), ["unknown", "pass", "unknown"]);
  const q8 = ModelSchema.parse({ ...STORIES_ENTRY, quantization: "Q8_0" });
  const wrongQuant = await modelFileFacts(q8, { env });
  assert.equal(wrongQuant[2].status, "fail");
  assert.equal(wrongQuant[2].detail, "configured GGUF Q8_0, file is GGUF F32");
});

Deno.test("a served model is unknown for sha256 and source, and its format comes from what the server reported", async () => {
  const gemma = lmstudio();
  const none = await modelFileFacts(gemma);
  assert.deepEqual(none.map((f) => f.status), ["unknown", "unknown", "unknown"]);
  const same = await modelFileFacts(gemma, {
    records: [record({ served_format: "MLX", served_quantization: "4bit" })],
  });
  assert.equal(same[2].status, "pass");
  const other = await modelFileFacts(gemma, {
    records: [record({ served_format: "GGUF", served_quantization: "Q4_K_M" })],
  });
  assert.equal(other[2].status, "fail");
  assert.equal(other[2].detail, "configured MLX 4bit, served GGUF Q4_K_M");
});

Deno.test("findPersonalData finds checked IBANs, Luhn card numbers, emails and phones, and skips reserved values", () => {
  const kinds = (t: string) => findPersonalData(t).map((m) => m.kind);
  assert.deepEqual(kinds("pay DE89 3704 0044 0532 0130 00 today"), ["iban"]);
  assert.deepEqual(
    kinds("pay DE88 3704 0044 0532 0130 00 today"),
    [],
    "a wrong check digit is not an IBAN",
  );
  assert.deepEqual(kinds("card 4532 0151 1283 0366"), ["card"]);
  assert.deepEqual(kinds("card 4532 0151 1283 0367"), [], "fails Luhn");
  assert.deepEqual(kinds("write to jana.novak@mailbox.org"), ["email"]);
  assert.deepEqual(kinds("write to jana.novak@example.com or a@b.test"), [], "reserved domains");
  assert.deepEqual(kinds("call +49 30 1234 5678"), ["phone"]);
  assert.deepEqual(kinds("call +44 7700 900481 or +33 1 99 00 27 41"), [], "fiction ranges");
  assert.equal(findPersonalData("DE89 3704 0044 0532 0130 00")[0].masked, "DE8***00");
});

Deno.test("personal data in stored prompts fails the fact unless it is the project's synthetic fixtures", async () => {
  const dir = await Deno.makeTempDir();
  const line = (o: unknown) => JSON.stringify(o) + "\n";
  await Deno.writeTextFile(
    join(dir, "eval_x.jsonl"),
    line({
      prompt: "Customer IBAN DE89 3704 0044 0532 0130 00 asks for a loan",
      raw_output: "ok",
    }) +
      line({ prompt: "What is my balance?" }) + '{"prompt": "cut by a cra',
  );
  await Deno.mkdir(join(dir, "nested"));
  await Deno.writeTextFile(
    join(dir, "nested", "perf_y.jsonl"),
    line({ output_text: "mail me at someone@mailbox.org" }),
  );
  const found = await personalDataFact(dir);
  assert.equal(found.status, "fail");
  const value = found.value as {
    files: number;
    records: number;
    records_with_prompts: number;
    findings: number;
    examples: { kind: string; line: number }[];
  };
  assert.deepEqual([value.files, value.records, value.records_with_prompts, value.findings], [
    2,
    3,
    2,
    1,
  ]);
  assert.deepEqual([value.examples[0].kind, value.examples[0].line], ["iban", 1]);
  const allowed = await personalDataFact(dir, { syntheticText: "fixture: DE89370400440532013000" });
  assert.equal(allowed.status, "pass");
  assert.equal((await personalDataFact(join(dir, "none"))).status, "pass");
});

Deno.test("request limits, provenance and the licence verdict become facts", () => {
  assert.equal(requestLimitsFact(experiment, [48, 256]).status, "pass");
  assert.deepEqual(requestLimitsFact(experiment, [48, 256]).value, {
    request_timeout_ms: 300000,
    max_tokens: [48, 256],
  });
  assert.equal(provenanceFact([], new Set()).status, "unknown");
  assert.equal(provenanceFact([record({ run_id: "r1" })], new Set(["r1"])).status, "pass");
  assert.equal(
    provenanceFact([record({ run_id: "r2" })], new Set(["r1"])).detail,
    "no manifest for run(s) r2",
  );
  assert.equal(licenceFact(undefined).status, "unknown");
  const audit = (verdict: string) => ({ verdict, licence: null }) as never;
  assert.deepEqual(
    ["permitted", "permitted_with_conditions", "not_permitted", "review_required"].map((v) =>
      licenceFact(audit(v)).status
    ),
    ["pass", "pass", "fail", "unknown"],
  );
});
