/**
 * A results folder that stops being writable: the first failure is the one reported (which file,
 * which operation), no `*.tmp-*` file is left behind, the command exits 1 with one line (plus a
 * note when the manifest could not record the stop either) and never a stack trace. Library
 * cases on real files; command cases run `deno run lib/cli/*.ts` against a SCRIPTED FAKE server
 * (tests/eval/_scripted_server.ts) whose script breaks the folder while the run is going, and
 * in a read-only folder (a read-only bind mount in a private mount namespace as root, where
 * permissions do not stop writes; chmod 0555 otherwise).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  beginRun,
  type Manifest,
  ManifestSchema,
  ResultsWriteError,
  type RunEntry,
  stopRunWithError,
  writeFileAtomic,
} from "../../lib/results/mod.ts";
import { ROOT, runCli } from "../helpers/mod.ts";
import { queryOf, scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";
import { LOCAL_DATA } from "../eval/_helpers.ts";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const leftovers = (dir: string) => names(dir).filter((n) => n.includes(".tmp-"));

function entry(runId: string): RunEntry {
  const now = new Date().toISOString();
  return {
    run_id: runId,
    kind: "perf",
    status: "running",
    started_at: now,
    updated_at: now,
    resumed_at: [],
    plan: {},
    files: {},
    environments: [],
    notes: [],
  };
}

function manifest(): Manifest {
  return { schema_version: 1, config_hash: "c".repeat(64), config: {}, runs: [] };
}

Deno.test("writeFileAtomic() over a folder names the file and the rename, and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "summary.json"));
  await assert.rejects(
    () => writeFileAtomic(join(dir, "summary.json"), "{}\n"),
    (e: Error) =>
      e instanceof ResultsWriteError && e.path === join(dir, "summary.json") &&
      /^Cannot write .*summary\.json: renaming its temporary file summary\.json\.tmp-\d+-\d+ over it failed: Is a directory \(os error 21\)$/
        .test(e.message),
  );
  assert.deepEqual(names(dir), ["summary.json"]);
});

Deno.test("writeFileAtomic() into a removed folder names the file and the temporary file it could not create", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.remove(dir);
  await assert.rejects(
    () => writeFileAtomic(join(dir, "m.json"), "{}\n"),
    (e: Error) =>
      e instanceof ResultsWriteError &&
      /^Cannot write .*m\.json: creating its temporary file m\.json\.tmp-\d+-\d+ failed: No such file or directory \(os error 2\)$/
        .test(e.message),
  );
});

Deno.test("beginRun() in a results folder that is a file says so", async () => {
  const file = await Deno.makeTempFile();
  await assert.rejects(
    () => beginRun(file, manifest(), entry("r1"), { resumed: false, environment: null }),
    (e: Error) =>
      e instanceof ResultsWriteError &&
      e.message.startsWith(`Cannot write ${file}: using it as a folder (it is a file) failed:`),
  );
});

Deno.test("stopRunWithError() rethrows the first error and attaches the manifest's failure to it", async () => {
  const dir = await Deno.makeTempDir();
  const active = await beginRun(dir, manifest(), entry("r1"), {
    resumed: false,
    environment: null,
  });
  const first = new Error("the summary could not be written");
  // The folder disappears: the manifest cannot record the stop.
  await Deno.remove(dir, { recursive: true });
  await assert.rejects(() => stopRunWithError(active, first), (e: Error) => e === first);
  assert.match(
    String((first as Error & { manifestError?: Error }).manifestError?.message),
    new RegExp(
      `^Cannot write ${dir}: opening the folder to lock its manifests failed: No such file`,
    ),
  );
});

/** Eval flags for a 6-sample banking77 run on the scripted server. */
function evalArgs(configDir: string, results: string): string[] {
  return [
    ...["--task", "banking77", "--model", "scripted", "--sample-size", "6"],
    ...["--config-dir", configDir, "--data-dir", LOCAL_DATA.dataDir!, "--results-dir", results],
  ];
}

/** A script that runs `breakIt` once, when the third request arrives, then answers. */
function breaking(breakIt: () => Promise<void>) {
  return async (request: Parameters<typeof queryOf>[0], index: number) => {
    if (index === 2) await breakIt();
    return { content: queryOf(request).length % 2 ? "card_arrival" : "pin_blocked" };
  };
}

Deno.test("an eval whose results folder is replaced by a file mid-run names the first failure, exits 1, leaves no temporary file", async () => {
  const root = await Deno.makeTempDir();
  const results = join(root, "results");
  const moved = join(root, "moved");
  const server = startScriptedServer(breaking(async () => {
    await Deno.rename(results, moved);
    await Deno.writeTextFile(results, "not a folder\n");
  }));
  const configDir = await scriptedConfigDir(server.baseUrl);
  try {
    const out = await runCli("lib/cli/eval.ts", evalArgs(configDir, results));
    assert.equal(out.code, 1, out.stderr);
    const lines = out.stderr.trim().split("\n").filter((l) => /^(error|note): /.test(l));
    // First: reading the records back at the end (the first operation that failed); then the
    // manifest that could not record the stop.
    assert.equal(lines.length, 2, out.stderr);
    assert.match(
      lines[0],
      /^error: Not a directory \(os error 20\): readfile '\S+\/results\/eval_banking77_scripted_GGUF_Q4_K_M_\d{8}_\d{6}\.jsonl'$/,
    );
    assert.match(
      lines[1],
      /^note: the run's manifest could not be updated either: Not a directory \(os error 20\): readfile '\S+\/results\/experiment_config_[0-9a-f]{64}\.json'$/,
    );
    assert.doesNotMatch(out.stderr, /^\s+at /m, "no stack trace");
    // The records written before the break are all there, and nothing temporary is left.
    assert.deepEqual(leftovers(moved), []);
    assert.ok(names(moved).some((n) => n.endsWith(".jsonl")));
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an eval whose summary file cannot replace what took its place mid-run names the file and the rename, records the stop, leaves no temporary file", async () => {
  const root = await Deno.makeTempDir();
  const results = join(root, "results");
  const server = startScriptedServer(breaking(async () => {
    const records = names(results).find((n) => n.endsWith(".jsonl"))!;
    await Deno.mkdir(join(results, records.replace(/\.jsonl$/, ".json")));
  }));
  const configDir = await scriptedConfigDir(server.baseUrl);
  try {
    const out = await runCli("lib/cli/eval.ts", evalArgs(configDir, results));
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      /^error: Cannot write .*\/eval_banking77_\S+\.json: renaming its temporary file \S+\.tmp-\d+-\d+ over it failed: Is a directory \(os error 21\)$/m,
    );
    assert.doesNotMatch(out.stderr, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(out.stderr, /^note: /m, "the manifest was updated");
    assert.deepEqual(leftovers(results), []);
    const manifestFile = names(results).find((n) => n.startsWith("experiment_config_"))!;
    const run = ManifestSchema.parse(
      JSON.parse(await Deno.readTextFile(join(results, manifestFile))),
    ).runs[0];
    assert.equal(run.status, "interrupted");
    assert.match(run.notes.at(-1)!, /^stopped by error: Cannot write .*renaming its temporary/);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

/** Can this process give a child a read-only view of a folder? */
async function readOnlyMode(): Promise<"mount" | "chmod" | null> {
  if (Deno.build.os === "windows") return null;
  if (Deno.uid() !== 0) return "chmod";
  const ok = await new Deno.Command("unshare", {
    args: ["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.code === 0, () => false);
  return ok ? "mount" : null;
}

const MODE = await readOnlyMode();

/** Run a CLI script with `dir` read-only (see the module comment). */
async function runCliReadOnly(dir: string, script: string, args: string[]) {
  if (MODE === "chmod") {
    await Deno.chmod(dir, 0o555);
    try {
      return await runCli(script, args);
    } finally {
      await Deno.chmod(dir, 0o755);
    }
  }
  const out = await new Deno.Command("unshare", {
    args: [
      ...[
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind -o ro "$0" "$0" && exec "$@"',
      ],
      ...[dir, Deno.execPath(), "run", "-A", "--v8-flags=--expose-gc", join(ROOT, script), ...args],
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "perf, eval, compliance, import and report in a read-only folder exit 1 with one line naming the file, and write nothing",
  ignore: MODE === null,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const ro = join(root, "ro");
    await Deno.mkdir(ro);
    const server = startScriptedServer(() => ({ content: "card_arrival" }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    for (const f of ["compliance.yaml", "licenses.yaml"]) {
      await Deno.copyFile(join(ROOT, "configs", f), join(configDir, f));
    }
    const external = join(root, "external.jsonl");
    await Deno.writeTextFile(
      external,
      JSON.stringify({
        runner: "fllama",
        device: "phone",
        model_id: "m",
        format: "GGUF",
        quantization: "Q4_0",
        scenario: "interactive_assistant",
        repetition: 0,
        warmup: false,
        ttft_ms: 100,
        e2e_ms: 900,
        prompt_tokens: 20,
        output_tokens: 30,
        peak_rss_bytes: null,
        max_tokens: 128,
        seed: 42,
        temperature: 0,
        error: null,
        timestamp: "2025-11-23T10:00:00.000Z",
      }) + "\n",
    );
    const cases: [string, string[], RegExp][] = [
      [
        "lib/cli/perf.ts",
        ["--config-dir", configDir, "--models", "scripted", "--scenarios", "interactive_assistant"]
          .concat(["--runs", "1", "--warmup", "0", "--results-dir", ro]),
        /^error: Cannot write \S+\/ro\/experiment_config_[0-9a-f]{64}\.json: creating its temporary file \S+ failed: (Read-only file system|Permission denied)/,
      ],
      [
        "lib/cli/eval.ts",
        evalArgs(configDir, ro),
        /^error: Cannot write \S+\/ro\/experiment_config_[0-9a-f]{64}\.json: creating its temporary file \S+ failed: (Read-only file system|Permission denied)/,
      ],
      [
        "lib/cli/compliance.ts",
        ["--config-dir", configDir, "--models", "scripted", "--limit", "1"]
          .concat(["--results-dir", ro, "--output-dir", join(root, "report")]),
        /^error: Cannot write \S+\/ro\/experiment_config_[0-9a-f]{64}\.json: creating its temporary file \S+ failed: (Read-only file system|Permission denied)/,
      ],
      [
        "lib/cli/import.ts",
        ["--file", external, "--results-dir", ro],
        /^error: Cannot write \S+\/ro\/perf_fllama_\S+\.jsonl: opening it for appending records failed: (Read-only file system|Permission denied)/,
      ],
      [
        "lib/cli/report.ts",
        ["--input", root, "--output", ro, "--format", "md", "--figures-dir", join(ro, "fig")],
        /^error: (Read-only file system|Permission denied) \(os error \d+\): \w+ '\S+\/ro\/\S*'/,
      ],
    ];
    try {
      for (const [script, args, message] of cases) {
        const out = await runCliReadOnly(ro, script, args);
        assert.equal(out.code, 1, `${script}: ${out.stdout}${out.stderr}`);
        const errors = out.stderr.split("\n").filter((l) => l.startsWith("error: "));
        assert.equal(errors.length, 1, `${script}: ${out.stderr}`);
        assert.match(errors[0], message, `${script}: ${errors[0]}`);
        assert.doesNotMatch(out.stderr, /^\s+at /m, `${script}: no stack trace`);
        assert.deepEqual(names(ro), [], `${script} wrote nothing`);
      }
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
      await Deno.remove(root, { recursive: true });
    }
  },
});
