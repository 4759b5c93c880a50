/**
 * Bad input across every command: each case runs the real `deno run lib/cli/<command>.ts` in a
 * fresh folder and must exit 2 (bad input) or 1 (environment), with one `error:` line naming the
 * flag or file, the field and the value, no stack trace, and nothing written (the folder and the
 * default output folders, redirected by EDGE_BENCH_OUTPUT_DIR, stay as they were).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { preparePerf } from "../../lib/perf/mod.ts";
import { DATA_DIR, ROOT, runCli } from "../helpers/mod.ts";

interface Ctx {
  /** The case's own folder (absolute). */
  dir: string;
  /** A copy of the project's configs in `dir/configs`. */
  configs: string;
}

interface Case {
  name: string;
  command: string;
  args: (c: Ctx) => string[];
  /** Prepare the folder (files the case needs); counted as already there. */
  setup?: (c: Ctx) => Promise<void>;
  code?: 1 | 2;
  message: RegExp;
}

const HASH = "a".repeat(64);

async function manifestText(c: Ctx, text: string, hash = HASH): Promise<void> {
  await Deno.mkdir(join(c.dir, "results"), { recursive: true });
  await Deno.writeTextFile(join(c.dir, "results", `experiment_config_${hash}.json`), text);
}

async function edit(c: Ctx, file: string, change: (text: string) => string): Promise<void> {
  const path = join(c.configs, file);
  const text = await Deno.readTextFile(path);
  const changed = change(text);
  assert.notEqual(changed, text, `the case must change ${file}`);
  await Deno.writeTextFile(path, changed);
}

const lmStudioDown = `models:
  lm:
    backend: lmstudio
    name: an LM Studio model whose server is down
    model_id: x/y
    format: GGUF
    quantization: Q4_K_M
    base_url: http://127.0.0.1:9
`;

const R = (c: Ctx) => ["--results-dir", join(c.dir, "results")];
const PERF = (c: Ctx) => [...R(c), "--config-dir", c.configs];

const cases: Case[] = [
  // Numbers given as `--flag -N`, out of range, or not integers.
  {
    name: "perf --runs -3",
    command: "perf",
    args: (c) => ["--runs", "-3", ...PERF(c)],
    message: /^error: Flag --runs must be an integer of at least 1: current value is -3$/,
  },
  {
    name: "perf --warmup -1",
    command: "perf",
    args: (c) => ["--warmup", "-1", ...PERF(c)],
    message: /^error: Flag --warmup must be an integer of at least 0: current value is -1$/,
  },
  {
    name: "perf --seed -1",
    command: "perf",
    args: (c) => ["--seed", "-1", ...PERF(c)],
    message: /^error: Flag --seed must be an integer of at least 0: current value is -1$/,
  },
  {
    name: "perf --runs 2.5",
    command: "perf",
    args: (c) => ["--runs", "2.5", ...PERF(c)],
    message: /^error: Flag --runs must be an integer of at least 1: current value is "2\.5"$/,
  },
  {
    name: "perf --server-pid -5",
    command: "perf",
    args: (c) => ["--server-pid", "-5", ...PERF(c)],
    message: /^error: Flag --server-pid must be an integer of at least 1: current value is -5$/,
  },
  {
    name: "perf --runs without a value",
    command: "perf",
    args: (c) => [...PERF(c), "--runs"],
    message: /^error: Flag --runs needs a value/,
  },
  {
    name: "eval --sample-size -5",
    command: "eval",
    args: (c) => ["--task", "banking77", "--sample-size", "-5", ...R(c)],
    message: /^error: Flag --sample-size must be an integer of at least 1: current value is -5$/,
  },
  {
    name: "eval --concurrency -1",
    command: "eval",
    args: (c) => ["--task", "banking77", "--concurrency", "-1", ...R(c)],
    message: /^error: Flag --concurrency must be an integer of at least 1: current value is -1$/,
  },
  {
    name: "eval --shots -1",
    command: "eval",
    args: (c) => ["--task", "banking77", "--shots", "-1", ...R(c)],
    message: /^error: Flag --shots must be an integer of at least 0: current value is -1$/,
  },
  {
    name: "compliance --limit -2",
    command: "compliance",
    args: (c) => ["--limit", "-2", ...R(c)],
    message: /^error: Flag --limit must be an integer of at least 1: current value is -2$/,
  },
  {
    name: "rounds --runs -3",
    command: "rounds",
    args: (c) => ["--model", "stories260k", "--runs", "-3", ...R(c)],
    message: /^error: Flag --runs must be an integer of at least 1: current value is -3$/,
  },
  {
    name: "view --port 70000",
    command: "view",
    args: (c) => ["--port", "70000", "--results", c.dir],
    message: /^error: Flag --port must be an integer from 0 to 65535: current value is 70000$/,
  },
  {
    name: "report --max-warnings abc",
    command: "report",
    args: (c) => ["--input", c.dir, "--output", join(c.dir, "out"), "--max-warnings", "abc"],
    message:
      /^error: Flag --max-warnings must be an integer of at least 0: current value is "abc"$/,
  },
  // Empty values never mean "all" or "here".
  {
    name: 'perf --models ""',
    command: "perf",
    args: (c) => ["--models", "", ...PERF(c)],
    message: /^error: Flag --models is empty: current value is ""$/,
  },
  {
    name: 'perf --models ","',
    command: "perf",
    args: (c) => ["--models", ",", ...PERF(c)],
    message: /^error: Unknown model ',': available are stories260k, /,
  },
  {
    name: 'perf --results-dir ""',
    command: "perf",
    args: () => ["--results-dir", ""],
    message: /^error: Flag --results-dir is empty: current value is ""$/,
  },
  {
    name: 'eval --models ""',
    command: "eval",
    args: (c) => ["--task", "banking77", "--models", "", ...R(c)],
    message: /^error: Flag --models is empty: current value is ""$/,
  },
  {
    name: 'compliance --probe-sets ","',
    command: "compliance",
    args: (c) => ["--probe-sets", ",", ...R(c)],
    message: /^error: Unknown probe set ',': available are excessive_agency, /,
  },
  {
    name: 'rounds --sweep ","',
    command: "rounds",
    args: (c) => ["--sweep", ",", ...R(c)],
    message: /^error: Flag --sweep names no model: current value is ","$/,
  },
  {
    name: 'report --models ""',
    command: "report",
    args: (c) => ["--input", c.dir, "--models", ""],
    message: /^error: Flag --models is empty: current value is ""$/,
  },
  {
    name: 'check-server --models ""',
    command: "check_server",
    args: () => ["--models", ""],
    message: /^error: Flag --models is empty: current value is ""$/,
  },
  {
    name: 'setup --models ""',
    command: "setup",
    args: () => ["--models", ""],
    message: /^error: Flag --models is empty: current value is ""$/,
  },
  {
    name: 'import --file ""',
    command: "import",
    args: (c) => ["--file", "", ...R(c)],
    message: /^error: Flag --file is empty: current value is ""$/,
  },
  {
    name: 'notebooks --only ""',
    command: "notebooks",
    args: () => ["--only", ""],
    message: /^error: Flag --only is empty: current value is ""$/,
  },
  // Folders that are not there, or are files.
  {
    name: "eval --data-dir /no/such",
    command: "eval",
    args: (c) => ["--task", "banking77", "--data-dir", "/no/such", ...R(c)],
    message:
      /^error: Flag --data-dir must be an existing folder, but there is no such folder: current value is "\/no\/such"$/,
  },
  {
    name: "rounds --data-dir /no/such",
    command: "rounds",
    args: (c) => ["--model", "stories260k", "--data-dir", "/no/such", ...R(c)],
    message:
      /^error: Flag --data-dir must be an existing folder, but there is no such folder: current value is "\/no\/such"$/,
  },
  {
    name: "compliance --probes-dir /no/such",
    command: "compliance",
    args: (c) => ["--probes-dir", "/no/such", ...R(c)],
    message: /^error: Flag --probes-dir must be an existing folder, but there is no such folder/,
  },
  {
    name: "view --config-dir /no/such",
    command: "view",
    args: (c) => ["--config-dir", "/no/such", "--results", c.dir],
    message: /^error: Flag --config-dir must be an existing folder/,
  },
  {
    name: "perf --results-dir <a file>",
    command: "perf",
    setup: (c) => Deno.writeTextFile(join(c.dir, "afile"), "x"),
    args: (c) => ["--config-dir", c.configs, "--results-dir", join(c.dir, "afile")],
    message:
      /^error: Flag --results-dir must be a folder, but it names a file: current value is ".*afile"$/,
  },
  {
    name: "eval --results-dir <a file>",
    command: "eval",
    setup: (c) => Deno.writeTextFile(join(c.dir, "afile"), "x"),
    args: (c) => ["--task", "banking77", "--results-dir", join(c.dir, "afile")],
    message: /^error: Flag --results-dir must be a folder, but it names a file/,
  },
  {
    name: "report --output <a file>",
    command: "report",
    setup: (c) => Deno.writeTextFile(join(c.dir, "afile"), "x"),
    args: (c) => ["--input", c.dir, "--output", join(c.dir, "afile")],
    message: /^error: Flag --output must be a folder, but it names a file/,
  },
  {
    name: "compliance --output-dir <a file>",
    command: "compliance",
    setup: (c) => Deno.writeTextFile(join(c.dir, "afile"), "x"),
    args: (c) => [...R(c), "--output-dir", join(c.dir, "afile")],
    message: /^error: Flag --output-dir must be a folder, but it names a file/,
  },
  {
    name: "import --file /no/such.jsonl",
    command: "import",
    args: (c) => ["--file", "/no/such.jsonl", ...R(c)],
    message:
      /^error: Flag --file must name a JSONL file of external measurements, but there is no such file: current value is "\/no\/such\.jsonl"$/,
  },
  // Run manifests that cannot be read are named, never skipped or replaced.
  {
    name: "perf --resume next to a manifest that is not JSON",
    command: "perf",
    setup: (c) => manifestText(c, "{not json"),
    args: (c) => ["--resume", ...R(c)],
    message:
      /^error: Cannot read run manifest \S+experiment_config_a{64}\.json: '\(root\)' is not valid JSON .*: current value is "\{not json" \(repair the file or move it out of the results folder\)$/,
  },
  {
    name: "eval --resume next to a manifest with a bad status",
    command: "eval",
    setup: (c) =>
      manifestText(
        c,
        JSON.stringify({
          schema_version: 1,
          config_hash: HASH,
          config: {},
          runs: [{
            run_id: "x",
            kind: "eval",
            status: "bogus",
            started_at: "2025-01-01T00:00:00Z",
            updated_at: "2025-01-01T00:00:00Z",
            plan: {},
            files: {},
            environments: [],
          }],
        }),
      ),
    args: (c) => ["--resume", ...R(c)],
    message:
      /^error: Cannot read run manifest \S+: 'runs\.0\.status' is invalid: .*: current value is "bogus"/,
  },
  {
    name: "rounds --resume next to an empty manifest",
    command: "rounds",
    setup: (c) => manifestText(c, ""),
    args: (c) => ["--resume", ...R(c)],
    message: /^error: Cannot read run manifest \S+: '\(root\)' is not valid JSON/,
  },
  {
    name: "a new perf run whose config's manifest is corrupt",
    command: "perf",
    setup: async (c) => {
      // The hash this run will have (preparePerf writes nothing).
      const p = await preparePerf({
        scenarios: "interactive_assistant",
        overrides: { runs: 1, warmup: 0 },
        configDir: c.configs,
        resultsDir: join(c.dir, "results"),
      });
      await manifestText(c, '{"schema_version": 1, "config_hash": "', p.plan.configHash);
    },
    args: (
      c,
    ) => ["--scenarios", "interactive_assistant", "--runs", "1", "--warmup", "0", ...PERF(c)],
    message:
      /^error: Cannot read run manifest \S+experiment_config_[0-9a-f]{64}\.json: '\(root\)' is not valid JSON/,
  },
  // YAML syntax errors say where and what, and quote that line.
  {
    name: "experiment.yaml with a duplicate key",
    command: "perf",
    setup: (c) => edit(c, "experiment.yaml", (t) => t + "runs: 5\n"),
    args: PERF,
    message:
      /^error: Cannot load config \S+experiment\.yaml: 'line \d+, column 1' is not valid YAML: the key 'runs' appears twice in the same mapping .*: current value is "runs: 5"$/,
  },
  {
    name: "experiment.yaml indented with a tab",
    command: "perf",
    setup: (c) => edit(c, "experiment.yaml", (t) => t.replace("memory:\n  ", "memory:\n\t")),
    args: PERF,
    message:
      /^error: Cannot load config \S+experiment\.yaml: 'line \d+, column 1' is not valid YAML: a tab is used for indentation .*: current value is "\\t/,
  },
  {
    name: "models.yaml with an unclosed bracket",
    command: "perf",
    setup: (c) => edit(c, "models.yaml", (t) => t.replace("models:\n", "models:\n  x: [1, 2\n")),
    args: PERF,
    message:
      /^error: Cannot load config \S+models\.yaml: 'line \d+, column \d+' is not valid YAML: the indentation is wrong or a bracket is not closed/,
  },
  {
    name: "tasks.yaml with a task twice",
    command: "eval",
    setup: (c) => edit(c, "tasks.yaml", (t) => t.replace("tasks:\n", "tasks:\n  banking77: {}\n")),
    args: (c) => ["--task", "banking77", "--config-dir", c.configs, ...R(c)],
    message:
      /^error: Cannot load config \S+tasks\.yaml: 'line \d+, column 3' is not valid YAML: the key 'banking77' appears twice/,
  },
  // Flags that do not exist or take no value.
  {
    name: "perf --bogus",
    command: "perf",
    args: (c) => ["--bogus", ...PERF(c)],
    message: /^error: Unknown option '--bogus' \(see --help for the flags of this command\)$/,
  },
  {
    name: "perf with a stray argument",
    command: "perf",
    args: (c) => ["stories260k", ...PERF(c)],
    message: /^error: Unexpected argument "stories260k" \(see --help\)$/,
  },
  {
    name: "perf --no-load=yes",
    command: "perf",
    args: (c) => ["--no-load=yes", ...PERF(c)],
    message: /^error: Flag --no-load takes no value: current value is "yes"$/,
  },
  {
    name: "setup --index-url ftp://x",
    command: "setup",
    args: () => ["--models", "--index-url", "ftp://x"],
    message:
      /^error: Flag --index-url must be an http\(s\) URL of a PyPI mirror: current value is "ftp:\/\/x"$/,
  },
  // The environment: a server that is down is one line and exit 1, and eval writes nothing.
  {
    name: "eval with LM Studio down",
    command: "eval",
    code: 1,
    setup: (c) => Deno.writeTextFile(join(c.configs, "models.yaml"), lmStudioDown),
    args: (
      c,
    ) => [
      "--task",
      "banking77",
      "--sample-size",
      "2",
      "--model",
      "lm",
      "--data-dir",
      DATA_DIR,
      "--config-dir",
      c.configs,
      ...R(c),
    ],
    message: /^error: LM Studio is not reachable at http:\/\/127\.0\.0\.1:9 /,
  },
];

const snapshot = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      out.push(join(d, e.name));
      if (e.isDirectory) walk(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
};

async function check(c: Case): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-bad-input-" });
  try {
    const configs = join(dir, "configs");
    await Deno.mkdir(configs);
    for (const e of Deno.readDirSync(join(ROOT, "configs"))) {
      await Deno.copyFile(join(ROOT, "configs", e.name), join(configs, e.name));
    }
    const ctx = { dir, configs };
    await c.setup?.(ctx);
    const before = snapshot(dir);
    const out = await runCli(`lib/cli/${c.command}.ts`, c.args(ctx), {
      EDGE_BENCH_OUTPUT_DIR: join(dir, "default-output"),
    });
    const errors = out.stderr.split("\n").filter((l) => l.startsWith("error: "));
    const problems = [
      out.code !== (c.code ?? 2) && `exit ${out.code}, expected ${c.code ?? 2}`,
      errors.length !== 1 && `${errors.length} error lines`,
      errors[0] !== undefined && !c.message.test(errors[0]) && `message ${errors[0]}`,
      /^\s+at /m.test(out.stderr) && "a stack trace",
      JSON.stringify(snapshot(dir)) !== JSON.stringify(before) &&
      `wrote ${snapshot(dir).filter((p) => !before.includes(p)).join(", ")}`,
    ].filter(Boolean);
    return problems.length ? `${c.name}: ${problems.join("; ")}\n${out.stderr}` : null;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(`${cases.length} bad inputs across every command: one clear line naming flag or file, field and value; exit 2 (1 for the environment); no stack trace; nothing written`, async () => {
  assert.ok(cases.length >= 40);
  const failures: string[] = [];
  // Two at a time (the machine is shared).
  for (let i = 0; i < cases.length; i += 2) {
    const results = await Promise.all(cases.slice(i, i + 2).map(check));
    failures.push(...results.filter((r): r is string => r !== null));
  }
  assert.deepEqual(failures, []);
});
