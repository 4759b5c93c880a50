/**
 * Malformed configs and flags: `deno task perf` must exit 2 with one message naming the file,
 * the field and the bad value, and write nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, writeTestConfig } from "../helpers/mod.ts";

interface Case {
  name: string;
  file: "experiment.yaml" | "models.yaml" | "scenarios.yaml";
  /** Turn the shipped file's text into the malformed one. */
  edit: (text: string) => string;
  /** Fragments the error must contain (field path and value). */
  expect: string[];
}

const cases: Case[] = [
  {
    name: "runs is zero",
    file: "experiment.yaml",
    edit: (t) => t.replace("runs: 20", "runs: 0"),
    expect: ["'runs'", "current value is 0"],
  },
  {
    name: "seed is negative",
    file: "experiment.yaml",
    edit: (t) => t.replace("seed: 42", "seed: -1"),
    expect: ["'seed'", "current value is -1"],
  },
  {
    name: "temperature is a word",
    file: "experiment.yaml",
    edit: (t) => t.replace("temperature: 0", "temperature: hot"),
    expect: ["'temperature'", 'current value is "hot"'],
  },
  {
    name: "unknown experiment field",
    file: "experiment.yaml",
    edit: (t) => t + "rnus: 5\n",
    expect: ["'rnus'", "unknown field"],
  },
  {
    name: "YAML syntax error",
    file: "experiment.yaml",
    edit: (t) => t.replace("memory:\n", "memory:\n   - [unclosed\n"),
    expect: ["not valid YAML", "line"],
  },
  {
    name: "unknown backend kind",
    file: "models.yaml",
    edit: (t) => t.replace("backend: embedded", "backend: vllm"),
    expect: ["'models.stories260k.backend'", "must be one of embedded, lmstudio, openai", '"vllm"'],
  },
  {
    name: "threads is zero",
    file: "models.yaml",
    edit: (t) => t.replace(/threads: 1\b/, "threads: 0"),
    expect: ["'models.stories260k.threads'", "current value is 0"],
  },
  {
    name: "sha256 is not 64 hex digits",
    file: "models.yaml",
    edit: (t) => t.replace(/sha256: 270c\w+/, "sha256: abc"),
    expect: ["'models.stories260k.download.sha256'", '"abc"'],
  },
  {
    name: "unknown format",
    file: "models.yaml",
    edit: (t) => t.replace("format: MLX", "format: ONNX"),
    expect: ["'models.gemma_3n_e4b_mlx.format'", '"ONNX"'],
  },
  {
    name: "base_url is not a URL",
    file: "models.yaml",
    edit: (t) =>
      t +
      "  srv:\n    backend: openai\n    name: s\n    model_id: m\n    format: GGUF\n    quantization: Q4_K_M\n    base_url: localhost-8080\n",
    expect: ["'models.srv.base_url'", '"localhost-8080"'],
  },
  {
    name: "bad model key",
    file: "models.yaml",
    edit: (t) => t.replace("  stories260k:", "  Stories 260K:"),
    expect: ["'models.Stories 260K'", "lower-case"],
  },
  {
    name: "no models at all",
    file: "models.yaml",
    edit: () => "models: {}\n",
    expect: ["'models'", "at least one model"],
  },
  {
    name: "max_tokens is negative",
    file: "scenarios.yaml",
    edit: (t) => t.replace("max_tokens: 128", "max_tokens: -5"),
    expect: ["'scenarios.interactive_assistant.max_tokens'", "current value is -5"],
  },
  {
    name: "json_schema check without a schema file",
    file: "scenarios.yaml",
    edit: (t) => t.replace(/\n {4}json_schema_file: .*\n/, "\n"),
    expect: ["'scenarios.json_extraction.json_schema_file'", "needs json_schema_file"],
  },
  {
    name: "prompt file missing",
    file: "scenarios.yaml",
    edit: (t) => t.replace("data/prompts/summarization.txt", "data/prompts/missing.txt"),
    expect: ["'scenarios.summarization.prompt_file'", '"data/prompts/missing.txt"'],
  },
];

for (const c of cases) {
  Deno.test(`perf refuses a config where ${c.name}: exit 2, file/field/value named, nothing written`, async () => {
    const tmp = await Deno.makeTempDir();
    const dir = await writeTestConfig(join(tmp, "configs"));
    const path = join(dir, c.file);
    const original = await Deno.readTextFile(path);
    const edited = c.edit(original);
    assert.notEqual(edited, original, "the case must change the file");
    await Deno.writeTextFile(path, edited);
    const results = join(tmp, "results");
    const out = await runCli("lib/cli/perf.ts", [
      "--config-dir",
      dir,
      "--results-dir",
      results,
      "--runs",
      "1",
      "--warmup",
      "0",
    ]);
    assert.equal(out.code, 2, out.stderr);
    assert.ok(out.stderr.includes(path), `names the file: ${out.stderr}`);
    for (const f of c.expect) assert.ok(out.stderr.includes(f), `expected ${f} in: ${out.stderr}`);
    assert.equal(out.stderr.trim().split("\n").length, 1, "one clear line, no stack trace");
    await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
  });
}

Deno.test("perf refuses bad flags and unknown names with exit 2 and writes nothing", async () => {
  const tmp = await Deno.makeTempDir();
  const results = join(tmp, "results");
  const flagCases: [string[], string][] = [
    [["--runs", "abc"], 'Flag --runs must be an integer of at least 1: current value is "abc"'],
    [["--models", "stories260"], "Unknown model 'stories260': available are stories260k"],
    [
      ["--scenarios", "interactive"],
      "Unknown scenario 'interactive': available are interactive_assistant",
    ],
    [["--warmup=-1"], "current value is -1"],
    [["--base-url", "nope"], 'Flag --base-url must be a URL: current value is "nope"'],
    [["--bogus"], "Unknown option '--bogus'"],
    [["--resume"], "has no unfinished perf run to resume"],
  ];
  for (const [args, expected] of flagCases) {
    const out = await runCli("lib/cli/perf.ts", ["--results-dir", results, ...args]);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.ok(
      out.stderr.includes(expected),
      `${args.join(" ")}: expected '${expected}' in ${out.stderr}`,
    );
  }
  await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
});
