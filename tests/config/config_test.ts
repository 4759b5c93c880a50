import assert from "node:assert/strict";
import { join } from "node:path";
import {
  applyOverrides,
  canonicalJson,
  ConfigError,
  configHash,
  loadProjectConfig,
  lookup,
  selectNames,
  UnknownNameError,
} from "../../lib/config/mod.ts";
import { writeTestConfig } from "../helpers/mod.ts";

Deno.test("loadProjectConfig() reads the shipped configs with the seed's defaults", async () => {
  const cfg = await loadProjectConfig();
  assert.equal(cfg.experiment.seed, 42);
  assert.equal(cfg.experiment.temperature, 0);
  assert.equal(cfg.experiment.runs, 20);
  assert.equal(cfg.experiment.warmup, 3);
  assert.equal(cfg.models.stories260k.backend, "embedded");
  assert.equal(cfg.models.stories260k.format, "GGUF");
  assert.equal(cfg.models.stories260k.quantization, "F32");
  assert.deepEqual(Object.keys(cfg.scenarios), [
    "interactive_assistant",
    "summarization",
    "json_extraction",
  ]);
  const s = cfg.scenarios.summarization;
  assert.ok(s.prompt.includes("CREDIT RISK COMMITTEE"), "the document is inlined into the prompt");
  assert.ok(!s.prompt.includes("{{input}}"));
  assert.equal(cfg.scenarios.json_extraction.json_schema?.title, "transaction_dispute");
});

Deno.test("LMSTUDIO_BASE_URL overrides the configured LM Studio URL and is validated", async () => {
  const cfg = await loadProjectConfig({
    env: (n) => (n === "LMSTUDIO_BASE_URL" ? "http://127.0.0.1:9999" : undefined),
  });
  assert.equal(cfg.experiment.lmstudio.base_url, "http://127.0.0.1:9999");
  await assert.rejects(
    loadProjectConfig({ env: (n) => (n === "LMSTUDIO_BASE_URL" ? "not a url" : undefined) }),
    (e: unknown) =>
      e instanceof ConfigError && e.file === "LMSTUDIO_BASE_URL" && e.field === "lmstudio.base_url",
  );
});

Deno.test("configHash() is independent of key order and changes with any value", async () => {
  assert.equal(canonicalJson({ b: [2, { d: 1, c: 2 }], a: 1 }), '{"a":1,"b":[2,{"c":2,"d":1}]}');
  const a = await configHash({ x: 1, y: { p: true, q: "s" } });
  const b = await configHash({ y: { q: "s", p: true }, x: 1 });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, await configHash({ x: 2, y: { p: true, q: "s" } }));
  // sha256 of the canonical JSON '{"a":1}', computed with `printf '{"a":1}' | sha256sum`.
  assert.equal(
    await configHash({ a: 1 }),
    "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
  );
});

Deno.test("applyOverrides() validates command-line values like the YAML", () => {
  const exp = applyOverrides({
    name: "x",
    results_dir: "results",
    seed: 42,
    temperature: 0,
    runs: 20,
    warmup: 3,
    request_timeout_ms: 1000,
    memory: { interval_ms: 100 },
    lmstudio: { base_url: "http://localhost:1234", check_loaded: true },
  }, { runs: 5, warmup: 0 });
  assert.equal(exp.runs, 5);
  assert.equal(exp.warmup, 0);
  assert.throws(
    () => applyOverrides(exp, { runs: 0 }),
    (e: unknown) =>
      e instanceof ConfigError && e.field === "runs" && e.value === 0 &&
      /current value is 0/.test(e.message),
  );
});

Deno.test("lookup() and selectNames() list what exists on a miss", () => {
  const reg = { banking77: 1, financial_phrasebank: 2 };
  assert.equal(lookup("task", reg, "banking77"), 1);
  assert.throws(
    () => lookup("task", reg, "bankin77"),
    (e: unknown) =>
      e instanceof UnknownNameError &&
      e.message === "Unknown task 'bankin77': available are banking77, financial_phrasebank",
  );
  assert.deepEqual(selectNames("task", reg, "all"), ["banking77", "financial_phrasebank"]);
  assert.deepEqual(selectNames("task", reg, "financial_phrasebank, banking77"), [
    "financial_phrasebank",
    "banking77",
  ]);
  assert.throws(() => selectNames("task", reg, "banking77,nope"), UnknownNameError);
});

Deno.test("a scenario whose prompt file is missing is refused naming the field", async () => {
  const dir = await writeTestConfig(await Deno.makeTempDir());
  const path = join(dir, "scenarios.yaml");
  await Deno.writeTextFile(
    path,
    (await Deno.readTextFile(path)).replace(
      "data/prompts/interactive_assistant.txt",
      "data/prompts/nope.txt",
    ),
  );
  await assert.rejects(
    loadProjectConfig({ configDir: dir }),
    (e: unknown) =>
      e instanceof ConfigError && e.file === path &&
      e.field === "scenarios.interactive_assistant.prompt_file" &&
      e.value === "data/prompts/nope.txt",
  );
});
