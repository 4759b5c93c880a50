/**
 * Nothing leaves the machine unasked. Every command here runs inside an EMPTY network namespace
 * (`unshare -n`: no interface but a downed loopback), under `strace -f -e trace=connect`, so the
 * tests see every connect() the tool and its children attempt: the embedded engine's perf run,
 * eval and report make none, and a non-loopback endpoint from any source is refused with exit 2
 * before a single connect() and before anything is written. With `--allow-remote` the same
 * commands do try to connect (the control: the tracing would catch a connect), and the endpoint is
 * recorded as a data-egress finding. No packet can leave the namespace either way.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MODELS_DIR, ROOT } from "../helpers/mod.ts";

const LINUX = Deno.build.os === "linux";
const AS_ROOT = LINUX && Deno.uid() === 0;

interface Isolated {
  code: number;
  stdout: string;
  stderr: string;
  /** connect() calls to AF_INET/AF_INET6 addresses, as strace printed them. */
  inetConnects: string[];
}

/** Run a CLI script in an empty network namespace under strace, with the shared data at hand. */
async function runIsolated(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Isolated> {
  const dir = await Deno.makeTempDir({ prefix: "edge-netns-" });
  const trace = join(dir, "connect.trace");
  try {
    const out = await new Deno.Command("unshare", {
      args: [
        ...(AS_ROOT ? ["-n"] : ["-r", "-n"]),
        "--",
        "strace",
        ...["-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o", trace],
        Deno.execPath(),
        ...["run", "-A", "--v8-flags=--expose-gc", join(ROOT, script), ...args],
      ],
      env: {
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
        EDGE_BENCH_MODEL_DIR: MODELS_DIR,
        // tests/helpers/mod.ts has set EDGE_BENCH_DATA_DIR (inherited) to the shipped datasets.
        ...env,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const lines = (await Deno.readTextFile(trace)).split("\n");
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      inetConnects: lines.filter((l) => /sa_family=AF_INET6?\b/.test(l)),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What a run printed, for failure messages. */
function output(run: Isolated): string {
  return `stderr:\n${run.stderr.slice(-3000)}\nstdout:\n${run.stdout.slice(-2000)}`;
}

async function tempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "edge-netns-results-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A config folder: every shipped config, with these entries added to models.yaml. */
async function configWith(dir: string, entries: string): Promise<string> {
  const config = join(dir, "configs");
  await Deno.mkdir(config);
  for await (const e of Deno.readDir(join(ROOT, "configs"))) {
    if (e.isFile) await Deno.copyFile(join(ROOT, "configs", e.name), join(config, e.name));
  }
  const shipped = await Deno.readTextFile(join(config, "models.yaml"));
  await Deno.writeTextFile(
    join(config, "models.yaml"),
    shipped.replace(/^models:\n/m, `models:\n${entries}`),
  );
  return config;
}

const MODELS = `  lm:
    backend: lmstudio
    name: An LM Studio model
    model_id: google/gemma-3n-e4b
    format: GGUF
    quantization: Q4_K_M
  remote:
    backend: openai
    name: A server elsewhere
    model_id: remote-model
    format: GGUF
    quantization: Q4_K_M
    base_url: http://10.0.0.5:8080/v1
    memory: { pids: [1] }
  local:
    backend: openai
    name: A local server
    model_id: local-model
    format: GGUF
    quantization: Q4_K_M
    base_url: http://127.0.0.1:9/v1
    memory: { pids: [1] }
`;

async function entries(dir: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    return names.sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test({
  name:
    "perf, eval and report on the embedded engine succeed in an empty network namespace with no connect()",
  ignore: !LINUX,
  fn: () =>
    tempDir(async (dir) => {
      const results = join(dir, "results");
      const perf = await runIsolated("lib/cli/perf.ts", [
        ...["--models", "stories260k", "--scenarios", "interactive_assistant"],
        ...["--runs", "2", "--warmup", "1", "--results-dir", results],
      ]);
      assert.equal(perf.code, 0, output(perf));
      assert.deepEqual(perf.inetConnects, []);
      const evaluation = await runIsolated("lib/cli/eval.ts", [
        ...["--task", "banking77", "--model", "stories260k", "--sample-size", "3"],
        ...["--results-dir", results],
      ]);
      assert.equal(evaluation.code, 0, output(evaluation));
      assert.deepEqual(evaluation.inetConnects, []);
      const report = await runIsolated("lib/cli/report.ts", [
        ...["--input", results, "--output", join(dir, "report")],
        ...["--figures-dir", join(dir, "figures"), "--format", "md,csv"],
      ]);
      assert.equal(report.code, 0, output(report));
      assert.deepEqual(report.inetConnects, []);
      const names = await entries(results);
      assert.ok(names.some((n) => n.startsWith("perf_stories260K") || n.startsWith("perf_")));
      assert.ok(names.some((n) => n.startsWith("eval_banking77_")));
      assert.ok((await entries(join(dir, "report"))).length > 0, "the report wrote nothing");
    }),
});

/** One refusal: the command, the env, and what the message must name. */
interface Refusal {
  what: string;
  script: string;
  args: (config: string, results: string) => string[];
  env?: Record<string, string>;
  message: RegExp;
}

const REFUSALS: Refusal[] = [
  {
    what: "perf: LMSTUDIO_BASE_URL",
    script: "lib/cli/perf.ts",
    args: (c, r) => ["--models", "lm", "--config-dir", c, "--results-dir", r],
    env: { LMSTUDIO_BASE_URL: "http://10.0.0.5:1234" },
    message:
      /^error: Refusing endpoint from environment variable LMSTUDIO_BASE_URL: 'lmstudio\.base_url' names the address '10\.0\.0\.5'.*set allow_remote: true on model 'lm'.*current value is "http:\/\/10\.0\.0\.5:1234"$/m,
  },
  {
    what: "perf: --base-url file://",
    script: "lib/cli/perf.ts",
    args: (c, r) => [
      ...["--models", "lm", "--config-dir", c, "--results-dir", r],
      ...["--base-url", "file:///etc/", "--allow-remote"],
    ],
    message:
      /^error: Refusing endpoint from <command line>: '--base-url' must be an http:\/\/ or https:\/\/ URL \(file: is never used\): current value is "file:\/\/\/etc\/"$/m,
  },
  {
    what: "eval: --base-url",
    script: "lib/cli/eval.ts",
    args: (c, r) => [
      ...["--task", "banking77", "--model", "local", "--sample-size", "3"],
      ...["--config-dir", c, "--results-dir", r, "--base-url", "http://10.0.0.5:8080/v1"],
    ],
    message:
      /^error: Refusing endpoint from <command line>: '--base-url' names the address '10\.0\.0\.5'/m,
  },
  {
    what: "compliance: models.yaml base_url",
    script: "lib/cli/compliance.ts",
    args: (c, r) => [
      ...["--models", "remote", "--limit", "1", "--config-dir", c, "--results-dir", r],
      ...["--output-dir", join(r, "report")],
    ],
    message:
      /^error: Refusing endpoint from .*models\.yaml: 'models\.remote\.base_url' names the address '10\.0\.0\.5'/m,
  },
  {
    what: "rounds: LMSTUDIO_BASE_URL as a host name",
    script: "lib/cli/rounds.ts",
    args: (c, r) => ["--model", "lm", "--config-dir", c, "--results-dir", r],
    env: { LMSTUDIO_BASE_URL: "http://mac-studio.example:1234" },
    message:
      /^error: Refusing endpoint from environment variable LMSTUDIO_BASE_URL: 'lmstudio\.base_url' names the host 'mac-studio\.example', which is not localhost/m,
  },
];

for (const refusal of REFUSALS) {
  Deno.test({
    name:
      `${refusal.what}: a non-loopback endpoint is refused (exit 2) before any connect(), nothing written`,
    ignore: !LINUX,
    fn: () =>
      tempDir(async (dir) => {
        const config = await configWith(dir, MODELS);
        const results = join(dir, "results");
        const run = await runIsolated(refusal.script, refusal.args(config, results), refusal.env);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, refusal.message);
        assert.doesNotMatch(run.stderr, /^\s+at /m, "a stack trace was printed");
        assert.deepEqual(run.inetConnects, [], "a connection was attempted");
        assert.deepEqual(await entries(results), [], "something was written");
      }),
  });
}

Deno.test({
  name:
    "with --allow-remote the same perf run does connect, and the manifest records the data egress",
  ignore: !LINUX,
  fn: () =>
    tempDir(async (dir) => {
      const config = await configWith(dir, MODELS);
      const results = join(dir, "results");
      const run = await runIsolated(
        "lib/cli/perf.ts",
        ["--models", "lm", "--config-dir", config, "--results-dir", results, "--allow-remote"],
        { LMSTUDIO_BASE_URL: "http://10.0.0.5:1234" },
      );
      // The namespace has no route: the connection fails, and the run says it is incomplete.
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        /warning: data egress: lm sends prompts to http:\/\/10\.0\.0\.5:1234/,
      );
      assert.ok(
        run.inetConnects.some((l) => l.includes('inet_addr("10.0.0.5")')),
        `strace saw no connect() to 10.0.0.5: ${run.inetConnects.join("\n")}`,
      );
      const [file] = (await entries(results)).filter((n) => n.startsWith("experiment_config_"));
      const manifest = JSON.parse(await Deno.readTextFile(join(results, file)));
      const [entry] = manifest.runs;
      assert.deepEqual(entry.plan.endpoints.lm, {
        model_key: "lm",
        backend: "lmstudio",
        url: "http://10.0.0.5:1234",
        source: "environment variable LMSTUDIO_BASE_URL",
        field: "lmstudio.base_url",
        loopback: false,
        data_egress: true,
        allowed_by: "--allow-remote",
        api_key_env: null,
        api_key_used: false,
      });
      assert.ok(
        entry.notes.includes(
          "data egress: model 'lm' sends prompts to http://10.0.0.5:1234 (environment variable " +
            "LMSTUDIO_BASE_URL 'lmstudio.base_url'; allowed by --allow-remote)",
        ),
        entry.notes.join("\n"),
      );
    }),
});

Deno.test({
  name:
    "a model allowed by allow_remote: true is a data-egress finding in the compliance risk analysis",
  ignore: !LINUX,
  fn: () =>
    tempDir(async (dir) => {
      const config = await configWith(
        dir,
        MODELS.replace(
          "base_url: http://10.0.0.5:8080/v1",
          "base_url: http://10.0.0.5:8080/v1\n    allow_remote: true",
        ),
      );
      const results = join(dir, "results");
      const output = join(dir, "report");
      const run = await runIsolated("lib/cli/compliance.ts", [
        ...["--models", "remote", "--limit", "1", "--config-dir", config],
        ...["--results-dir", results, "--output-dir", output],
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.ok(run.inetConnects.some((l) => l.includes('inet_addr("10.0.0.5")')));
      const [riskFile] = (await entries(output)).filter((n) => n.startsWith("risk_analysis_"));
      const risk = JSON.parse(await Deno.readTextFile(join(output, riskFile)));
      const facts = risk.models[0].facts as { id: string; status: string; detail: string }[];
      const own = facts.find((f) => f.id === "model_endpoint_loopback")!;
      assert.equal(own.status, "fail");
      assert.match(
        own.detail,
        /^data egress: prompts leave the machine to http:\/\/10\.0\.0\.5:8080\/v1 \(.*models\.yaml 'models\.remote\.base_url'; allowed by allow_remote: true \(.*models\.yaml 'models\.remote\.allow_remote'\)\)$/,
      );
    }),
});
