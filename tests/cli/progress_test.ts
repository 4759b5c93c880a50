/**
 * Progress of real CLI runs (`deno run lib/cli/<task>.ts` subprocesses) whose stdout and stderr
 * are redirected to files, as under nohup or CI, against SCRIPTED FAKE servers with a fixed
 * latency (tests/eval/_scripted_server.ts, tests/compliance/_scripted_server.ts): plain lines at
 * the promised pace (each 5 % of the work, at least every 10 s) with the running figure, JSON
 * lines with --progress json, nothing with --quiet, and the bar with elapsed time and ETA on a
 * terminal (a pseudo-terminal from `script`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadProbeSets } from "../../lib/compliance/mod.ts";
import { ROOT } from "../helpers/mod.ts";
import { LOCAL_DATA, withTempDir } from "../eval/_helpers.ts";
import { queryOf, scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";
import { readComplianceLines, writeComplianceConfig } from "../compliance/_helpers.ts";
import { scriptedModelsYaml } from "../compliance/_scripted_server.ts";
import { parse } from "csv-parse/sync";
import { DATA_DIR } from "../helpers/mod.ts";

/** Run `lib/cli/<script>` with stdout and stderr redirected to files (one file when `combined`). */
async function runRedirected(
  dir: string,
  script: string,
  args: string[],
  combined: boolean,
): Promise<{ code: number; out: string; err: string }> {
  const out = join(dir, "out.log");
  const err = join(dir, "err.log");
  const redirect = combined ? `> "$OUT" 2>&1` : `> "$OUT" 2> "$ERR"`;
  const status = await new Deno.Command("sh", {
    args: [
      "-c",
      `exec "$@" ${redirect} < /dev/null`,
      "sh",
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(ROOT, script),
      ...args,
    ],
    env: { OUT: out, ERR: err, NO_COLOR: "1" },
    cwd: ROOT,
  }).output();
  const read = (p: string) => Deno.readTextFile(p).catch(() => "");
  return { code: status.code, out: await read(out), err: await read(err) };
}

interface Line {
  index: number;
  done: number;
  total: number;
  elapsedS: number;
  text: string;
}

/** The `progress:` lines of a log, with their counts and elapsed time. */
function progressLines(log: string, label: string): Line[] {
  const out: Line[] = [];
  log.split("\n").forEach((text, index) => {
    const m = text.match(/^progress: (\S+) (\d+)\/(\d+) .*\| elapsed (\d+):(\d\d) \|/);
    if (m && m[1] === label) {
      out.push({ index, done: +m[2], total: +m[3], elapsedS: +m[4] * 60 + +m[5], text });
    }
  });
  return out;
}

/** Every pair of successive lines is 5 % of the work apart (at concurrency 1: exactly), or 10 s. */
function assertPace(lines: Line[], total: number): void {
  const step = Math.ceil(0.05 * total);
  for (let i = 1; i < lines.length; i++) {
    const moved = lines[i].done - lines[i - 1].done;
    const waited = lines[i].elapsedS - lines[i - 1].elapsedS;
    assert.ok(moved >= step || waited >= 10, `line too soon: ${lines[i].text}`);
    assert.ok(moved <= step, `a 5 % step without a line before: ${lines[i].text}`);
  }
}

Deno.test("an eval logged to a file prints a line after each 5 % of the samples, with the accuracy so far, before its summary", async () => {
  await withTempDir(async (dir) => {
    // Fixed latency; the right label or a wrong one by the query's length, so the accuracy moves.
    const rows = parse(await Deno.readTextFile(join(DATA_DIR, "banking77", "test.csv")), {
      columns: true,
    }) as { text: string; category: string }[];
    const label = new Map(rows.map((r) => [r.text, r.category]));
    const server = startScriptedServer((request) => {
      const query = queryOf(request);
      const right = label.get(query) ?? "card_arrival";
      const wrong = right === "card_arrival" ? "pin_blocked" : "card_arrival";
      return { content: query.length % 2 ? right : wrong, delayMs: 120 };
    });
    const configDir = await scriptedConfigDir(server.baseUrl);
    const resultsDir = join(dir, "results");
    try {
      const run = await runRedirected(dir, "lib/cli/eval.ts", [
        "--task",
        "banking77",
        "--model",
        "scripted",
        "--sample-size",
        "40",
        "--config-dir",
        configDir,
        "--results-dir",
        resultsDir,
        "--data-dir",
        LOCAL_DATA.dataDir!,
      ], true);
      assert.equal(run.code, 0, run.out);
      const lines = progressLines(run.out, "banking77/scripted");
      const summaryAt = run.out.split("\n").findIndex((l) => l.startsWith("RESULTS SUMMARY"));
      assert.ok(summaryAt > 0, run.out);
      assert.ok(lines.length >= 2, run.out);
      assert.ok(lines.every((l) => l.index < summaryAt), "progress lines come before the summary");
      assert.equal(lines.length, 20, "one line per 2 of 40 samples");
      assertPace(lines, 40);
      assert.equal(lines.at(-1)!.done, 40);
      // The accuracy on each line is that of the records written so far (concurrency 1: in order).
      const file = [...Deno.readDirSync(resultsDir)].find((e) => e.name.endsWith(".jsonl"))!.name;
      const records = (await Deno.readTextFile(join(resultsDir, file))).trim().split("\n").map((
        l,
      ) => JSON.parse(l));
      const correct = records.filter((r) => r.correct).length;
      assert.ok(correct > 0 && correct < 40, `accuracy that moves: ${correct}/40`);
      for (const line of lines) {
        const k = records.slice(0, line.done).filter((r) => r.correct).length;
        assert.match(line.text, new RegExp(`\\| accuracy ${(100 * k / line.done).toFixed(1)}%$`));
        assert.match(line.text, /\| [\d.]+ (samples\/s|s\/sample) \| .*\| ETA \d+:\d\d \|/);
      }
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

/** A median as the progress computes it. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

Deno.test("a perf run with stdout and stderr in two files logs progress with the TTFT median so far on stderr, the summaries on stdout", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "Hello there, customer.", delayMs: 100 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    const resultsDir = join(dir, "results");
    try {
      const run = await runRedirected(dir, "lib/cli/perf.ts", [
        "--models",
        "scripted",
        "--scenarios",
        "interactive_assistant,json_extraction",
        "--runs",
        "9",
        "--warmup",
        "1",
        "--config-dir",
        configDir,
        "--results-dir",
        resultsDir,
      ], false);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out.match(/^RESULTS SUMMARY/gm)?.length, 2, run.out);
      assert.doesNotMatch(run.out, /^progress:/m);
      const a = progressLines(run.err, "scripted/interactive_assistant");
      const b = progressLines(run.err, "scripted/json_extraction");
      assert.ok(a.length >= 2 && b.length >= 2, run.err);
      // 20 requests in the run: 5 % is one request, so every request has its line.
      assert.deepEqual(a.map((l) => l.done), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.match(b[0].text, /\| run 11\/20 55% \|/);
      const file = [...Deno.readDirSync(resultsDir)].find((e) =>
        e.name.includes("interactive_assistant")
      )!.name;
      const records = (await Deno.readTextFile(join(resultsDir, file))).trim().split("\n").map((
        l,
      ) => JSON.parse(l));
      for (const line of a) {
        const measured = records.slice(0, line.done).filter((r) => !r.warmup).map((r) => r.ttft_ms);
        const expected = measured.length ? `${median(measured).toFixed(1)} ms` : "–";
        assert.ok(line.text.endsWith(`| TTFT median ${expected}`), `${line.text} vs ${expected}`);
      }
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

Deno.test("a request slower than 10 s still gets a progress line every 10 s in a log", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "slow", delayMs: 11_500 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    try {
      const t0 = performance.now();
      const run = await runRedirected(dir, "lib/cli/perf.ts", [
        "--models",
        "scripted",
        "--scenarios",
        "interactive_assistant",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--config-dir",
        configDir,
        "--results-dir",
        join(dir, "results"),
      ], false);
      assert.equal(run.code, 0, run.err);
      const lines = progressLines(run.err, "scripted/interactive_assistant");
      assert.deepEqual(lines.map((l) => l.done), [0, 1], run.err);
      assert.equal(lines[0].elapsedS, 10, lines[0].text);
      assert.ok(performance.now() - t0 > 11_500);
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});

Deno.test("--progress json writes each event as a JSON line on stderr with the failure rate so far; --quiet writes no progress", async () => {
  const { probes } = await loadProbeSets();
  const sets = ["prompt_injection_direct", "excessive_agency"];
  const chosen = probes.filter((p) => sets.includes(p.set));
  // Each probe answered with its own crafted failing reply (one in three) or passing reply.
  const failing = new Set(chosen.filter((_, i) => i % 3 === 0).map((p) => p.id));
  const byUser = new Map(chosen.map((p) => [p.user, p]));
  const server = startScriptedServer((request) => {
    const probe = byUser.get(request.messages.at(-1)?.content ?? "")!;
    return { content: probe.examples[failing.has(probe.id) ? "fail" : "pass"].text, delayMs: 30 };
  });
  const root = await Deno.makeTempDir();
  try {
    const configDir = await writeComplianceConfig(
      join(root, "configs"),
      scriptedModelsYaml(server.baseUrl).replace("model_id: test/scripted", "model_id: scripted"),
    );
    const args = (name: string, extra: string[]) => [
      "--models",
      "scripted",
      "--probe-sets",
      sets.join(","),
      "--config-dir",
      configDir,
      "--results-dir",
      join(root, name),
      "--output-dir",
      join(root, `${name}_report`),
      ...extra,
    ];
    const json = await runRedirected(
      root,
      "lib/cli/compliance.ts",
      args("json", [
        "--progress",
        "json",
      ]),
      false,
    );
    assert.equal(json.code, 0, json.err);
    const events = json.err.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    assert.ok(events.every((e) => e.command === "compliance" && !isNaN(Date.parse(e.time))));
    const done = events.filter((e) => e.event.type === "probe_done");
    assert.equal(done.length, chosen.length);
    assert.deepEqual(done.map((e) => e.progress.run_done), chosen.map((_, i) => i + 1));
    assert.ok(events.some((e) => e.event.type === "model_probes"));
    assert.equal(events.at(-1).event.type, "model_done");
    assert.equal(typeof events.at(-1).event.record_count, "number");
    // The failure rate on each event is that of the records so far.
    const records = await readComplianceLines(join(root, "json"));
    for (const e of done) {
      const so = records.slice(0, e.progress.run_done).filter((r) => r.error === null);
      const rate = so.filter((r) => r.failed).length / so.length;
      assert.equal(e.progress.figure.name, "failure_rate");
      assert.ok(Math.abs(e.progress.figure.value - rate) < 1e-12);
    }
    assert.doesNotMatch(json.err, /^progress:/m);

    const quiet = await runRedirected(
      root,
      "lib/cli/compliance.ts",
      args("quiet", ["--quiet"]),
      false,
    );
    assert.equal(quiet.code, 0, quiet.err);
    assert.doesNotMatch(quiet.err, /^progress:|^\{/m);
    assert.match(quiet.out, /RISK ANALYSIS/);

    const bad = await runRedirected(root, "lib/cli/compliance.ts", ["--progress", "fancy"], false);
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /Flag --progress must be one of auto, bar, lines, json, none: current value is "fancy"/,
    );
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("on a terminal the bar is redrawn in place with elapsed time and ETA", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(() => ({ content: "card_arrival", delayMs: 150 }));
    const configDir = await scriptedConfigDir(server.baseUrl);
    try {
      // `script` runs the command on a pseudo-terminal and copies what it draws to a file.
      const cmd = [
        Deno.execPath(),
        "run",
        "-A",
        join(ROOT, "lib/cli/eval.ts"),
        "--task",
        "banking77",
        "--model",
        "scripted",
        "--sample-size",
        "8",
        "--config-dir",
        configDir,
        "--results-dir",
        join(dir, "results"),
        "--data-dir",
        LOCAL_DATA.dataDir!,
      ].map((w) => `'${w}'`).join(" ");
      const out = await new Deno.Command("script", {
        args: ["-qec", `stty cols 160; ${cmd}`, join(dir, "tty.log")],
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const tty = await Deno.readTextFile(join(dir, "tty.log"));
      const frames = tty.split("\r").filter((f) => f.startsWith("banking77/scripted "));
      assert.ok(frames.length >= 3, JSON.stringify(tty.slice(0, 2000)));
      for (const f of frames) {
        assert.match(
          f,
          /^banking77\/scripted [█░]{8,24} \d\/8 \d+% \| .* \| elapsed \d:\d\d \| ETA /,
        );
      }
      assert.ok(frames.some((f) => /ETA \d:\d\d \| accuracy/.test(f)));
      assert.doesNotMatch(tty, /^progress:/m, "no log lines on a terminal");
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});
