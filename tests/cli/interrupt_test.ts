/**
 * Ctrl-C (SIGINT) sent to real runs (`deno run lib/cli/<task>.ts` subprocesses) with a results
 * folder of their own: each says once what it saved, naming that folder, and the exact resume
 * command, and that command finishes the run with every record exactly once. Servers are
 * SCRIPTED FAKES with a fixed latency (tests/eval/_scripted_server.ts); the rounds worker case
 * runs the real engine on stories260K.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadProbeSets } from "../../lib/compliance/mod.ts";
import { ROOT } from "../helpers/mod.ts";
import { LOCAL_DATA, withTempDir } from "../eval/_helpers.ts";
import { scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";
import { writeComplianceConfig } from "../compliance/_helpers.ts";
import { scriptedModelsYaml } from "../compliance/_scripted_server.ts";

/** JSON lines of the files under `dir` whose name starts with `prefix`. */
async function records(dir: string, prefix: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out; // not made yet
  }
  for (const e of entries) {
    if (!e.name.startsWith(prefix) || !e.name.endsWith(".jsonl")) continue;
    for (const line of (await Deno.readTextFile(join(dir, e.name))).split("\n")) {
      if (line.trim()) out.push(JSON.parse(line));
    }
  }
  return out;
}

interface Interrupted {
  stdout: string;
  stderr: string;
  /** The resume command's words after `deno task <task>`. */
  resumeArgs: string[];
}

/** Start `script`, wait for `ready`, send SIGINT, and check what it says. */
async function interruptRun(
  task: string,
  args: string[],
  resultsDir: string,
  prefix: string,
  minRecords = 3,
): Promise<Interrupted> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, `lib/cli/${task}.ts`), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const deadline = Date.now() + 90_000;
  while ((await records(resultsDir, prefix)).length < minRecords) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      const o = await output;
      throw new Error(`no records in time: ${new TextDecoder().decode(o.stderr)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGINT");
  const o = await output;
  const stdout = new TextDecoder().decode(o.stdout);
  const stderr = new TextDecoder().decode(o.stderr);
  assert.equal(o.code, 130, stderr);
  const all = stdout + stderr;
  assert.equal(all.match(/Interrupted/g)?.length, 1, `said once:\n${all}`);
  const saved = stderr.match(/^Interrupted: (.*)$/m)?.[1] ?? "";
  assert.ok(saved.includes(`saved in ${resultsDir}`), `names the results folder: ${saved}`);
  const resume = stderr.match(/^Resume with: deno task (\S+) (.*)$/m);
  assert.ok(resume, stderr);
  assert.equal(resume[1], task);
  // Words as the shell reads them (a folder with a space is quoted).
  const words = [...resume[2].matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
  assert.equal(words[0], "--resume");
  assert.match(words[1], new RegExp(`^${task}_(\\w+_)?\\d{8}_\\d{6}_[0-9a-f]{8}$`));
  assert.deepEqual(words.slice(2, 4), ["--results-dir", resultsDir]);
  assert.doesNotMatch(stderr, /\[Stopped\]|is incomplete/, "no second message about the stop");
  return { stdout, stderr, resumeArgs: words };
}

/** Run the printed resume command (as `deno run lib/cli/<task>.ts ...`). */
async function resume(task: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, `lib/cli/${task}.ts`), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(o.stderr);
  assert.equal(o.code, 0, stderr);
  return new TextDecoder().decode(o.stdout);
}

Deno.test("Ctrl-C in an eval says once what is saved in its results folder and how to resume; that command finishes it", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "card_arrival", delayMs: 200 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    const resultsDir = join(dir, "my runs");
    try {
      const r = await interruptRun(
        "eval",
        [
          "--task",
          "banking77",
          "--model",
          "scripted",
          "--sample-size",
          "20",
          "--config-dir",
          configDir,
          "--results-dir",
          resultsDir,
          "--data-dir",
          LOCAL_DATA.dataDir!,
        ],
        resultsDir,
        "eval_",
      );
      assert.match(r.stderr, /^Interrupted: \d+\/20 samples of run eval_banking77_/m);
      const line = r.stderr.match(/^Resume with: deno task eval (.*)$/m)![1];
      assert.ok(line.includes(`--results-dir '${resultsDir}'`), `quoted for the shell: ${line}`);
      assert.ok(r.resumeArgs.includes("--data-dir") && r.resumeArgs.includes("--config-dir"));
      await resume("eval", r.resumeArgs);
      const recs = await records(resultsDir, "eval_");
      assert.equal(new Set(recs.map((x) => x.sample_id)).size, 20);
      assert.equal(recs.length, 20, "no sample twice");
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

Deno.test("Ctrl-C in a perf run records nothing for the request it cut short and resumes to exactly the planned records", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "Hello.", delayMs: 300 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    const resultsDir = join(dir, "perf_results");
    try {
      const r = await interruptRun(
        "perf",
        [
          "--models",
          "scripted",
          "--scenarios",
          "interactive_assistant",
          "--runs",
          "10",
          "--warmup",
          "1",
          "--config-dir",
          configDir,
          "--results-dir",
          resultsDir,
        ],
        resultsDir,
        "perf_",
      );
      assert.match(r.stderr, /^Interrupted: \d+\/11 requests of run perf_/m);
      const before = await records(resultsDir, "perf_");
      assert.ok(before.length < 11);
      assert.ok(before.every((x) => x.error === null), "no error record for the cut request");
      await resume("perf", r.resumeArgs);
      const after = await records(resultsDir, "perf_");
      assert.equal(after.length, 11);
      assert.equal(new Set(after.map((x) => `${x.warmup}/${x.repetition}`)).size, 11);
      assert.ok(after.every((x) => x.error === null));
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

Deno.test("Ctrl-C in a compliance run names its results folder and the resume command", async () => {
  const { probes } = await loadProbeSets();
  const chosen = probes.filter((p) => p.set === "harmful_assistance");
  const byUser = new Map(chosen.map((p) => [p.user, p]));
  const server = startScriptedServer((request) => ({
    content: byUser.get(request.messages.at(-1)?.content ?? "")!.examples.pass.text,
    delayMs: 250,
  }));
  const root = await Deno.makeTempDir();
  try {
    const configDir = await writeComplianceConfig(
      join(root, "configs"),
      scriptedModelsYaml(server.baseUrl).replace("model_id: test/scripted", "model_id: scripted"),
    );
    const resultsDir = join(root, "probes");
    const r = await interruptRun(
      "compliance",
      [
        "--models",
        "scripted",
        "--probe-sets",
        "harmful_assistance",
        "--config-dir",
        configDir,
        "--results-dir",
        resultsDir,
        "--output-dir",
        join(root, "report"),
      ],
      resultsDir,
      "compliance_",
      2,
    );
    assert.match(
      r.stderr,
      new RegExp(`^Interrupted: \\d+/${chosen.length} probe results of run`, "m"),
    );
    assert.ok(r.resumeArgs.includes("--output-dir"));
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Ctrl-C in a rounds run on a server names its results folder and the resume command", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "card_arrival", delayMs: 250 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    await Deno.copyFile(join(ROOT, "configs/rounds.yaml"), join(configDir, "rounds.yaml"));
    const resultsDir = join(dir, "rounds_results");
    try {
      const r = await interruptRun(
        "rounds",
        [
          "--model",
          "scripted",
          "--rounds",
          "baseline",
          "--scenarios",
          "interactive_assistant",
          "--runs",
          "10",
          "--warmup",
          "1",
          "--config-dir",
          configDir,
          "--results-dir",
          resultsDir,
          "--data-dir",
          LOCAL_DATA.dataDir!,
        ],
        resultsDir,
        "perf_",
      );
      // 11 perf requests and the 20 samples of the quality subset.
      assert.match(r.stderr, /^Interrupted: \d+\/31 requests and quality samples of run rounds_/m);
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

Deno.test("Ctrl-C in a rounds run whose round runs in a worker process: the worker's progress reached the log, and one message", async () => {
  await withTempDir(async (dir) => {
    const resultsDir = join(dir, "worker_results");
    const r = await interruptRun(
      "rounds",
      [
        "--model",
        "stories260k",
        "--rounds",
        "baseline",
        "--scenarios",
        "interactive_assistant",
        "--runs",
        "100",
        "--warmup",
        "0",
        "--no-quality",
        "--results-dir",
        resultsDir,
      ],
      resultsDir,
      "perf_",
      8,
    );
    assert.match(r.stdout, /^\[round\] baseline: /m);
    // 5 % of 100 requests: a line after each 5, from the worker's events relayed to the parent.
    assert.match(r.stderr, /^progress: baseline\/stories260k\/interactive_assistant 5\/100 /m);
    assert.match(r.stderr, /^Interrupted: \d+\/100 requests and quality samples of run rounds_/m);
  });
});
