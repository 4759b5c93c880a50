/**
 * kill -9 in the middle of an eval, then --resume: every sample is recorded exactly once. The
 * eval runs as a real `deno run -A lib/cli/eval.ts` subprocess against a SCRIPTED FAKE server
 * that answers slowly (tests/eval/_scripted_server.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EvalRecordSchema, EvalSummarySchema, readJsonl } from "../../lib/results/mod.ts";
import { queryOf, scriptedConfigDir, startScriptedServer } from "./_scripted_server.ts";
import { LOCAL_DATA, ROOT, withTempDir } from "./_helpers.ts";

const SAMPLES = 12;

function evalCommand(configDir: string, resultsDir: string, extra: string[] = []): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "lib/cli/eval.ts"),
      "--task",
      "banking77",
      "--model",
      "scripted",
      "--sample-size",
      String(SAMPLES),
      "--concurrency",
      "2",
      "--config-dir",
      configDir,
      "--results-dir",
      resultsDir,
      "--data-dir",
      LOCAL_DATA.dataDir!,
      ...extra,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function recordLines(dir: string): Promise<number> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".jsonl")) {
      return (await Deno.readTextFile(join(dir, e.name))).split("\n").filter((l) => l.trim())
        .length;
    }
  }
  return 0;
}

Deno.test("an eval killed with SIGKILL resumes with every sample recorded exactly once", async () => {
  await withTempDir(async (dir) => {
    const server = startScriptedServer(
      (request) => ({
        content: queryOf(request).length % 2 ? "card_arrival" : "pin_blocked",
        delayMs: 250,
      }),
      { slots: 2 },
    );
    const configDir = await scriptedConfigDir(server.baseUrl);
    const resultsDir = join(dir, "results");
    try {
      const child = evalCommand(configDir, resultsDir).spawn();
      const deadline = Date.now() + 60_000;
      await Deno.mkdir(resultsDir, { recursive: true });
      while ((await recordLines(resultsDir)) < 3) {
        assert.ok(Date.now() < deadline, "no records appeared within 60 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      const killed = await child.output();
      const sentAtKill = server.requests;
      assert.equal(killed.signal, "SIGKILL");
      const before = await recordLines(resultsDir);
      assert.ok(before >= 3 && before < SAMPLES, `records at kill: ${before}`);
      // Records are synced to disk in batches (one fdatasync per 32 or per second: none had been
      // yet), but each was written before the next request: the kill loses only the samples in
      // flight, at most the concurrency (2).
      assert.ok(
        sentAtKill - before <= 2,
        `${sentAtKill} requests sent, ${before} recorded`,
      );

      const resumed = await evalCommand(configDir, resultsDir, ["--resume"]).output();
      const stdout = new TextDecoder().decode(resumed.stdout);
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      assert.equal(
        server.requests - sentAtKill,
        SAMPLES - before,
        "the resumed run redoes exactly the samples without a record",
      );
      assert.match(stdout, /\[Resume\] \d+\/12 samples already recorded/);
      assert.match(stdout, /\(resumed\)/);

      const files = [...Deno.readDirSync(resultsDir)].map((e) => e.name);
      const jsonl = files.filter((f) => f.endsWith(".jsonl"));
      assert.equal(jsonl.length, 1, files.join(", "));
      const { records, warnings } = await readJsonl(join(resultsDir, jsonl[0]), EvalRecordSchema);
      // A line cut by the kill (unlikely: one write per record) is skipped, and its sample re-run.
      assert.ok(
        warnings.every((w) => /truncated|not valid JSON/.test(w.message)),
        JSON.stringify(warnings),
      );
      const ids = records.map((r) => r.sample_id);
      assert.equal(ids.length, SAMPLES);
      assert.equal(new Set(ids).size, SAMPLES);
      assert.equal(new Set(records.map((r) => r.run_id)).size, 1);
      const summaryFile = files.find((f) => f.startsWith("eval_") && f.endsWith(".json"))!;
      const summary = EvalSummarySchema.parse(
        JSON.parse(await Deno.readTextFile(join(resultsDir, summaryFile))),
      );
      assert.equal(summary.metrics.n, SAMPLES);
      assert.equal(summary.complete, true);
      const manifest = JSON.parse(
        await Deno.readTextFile(
          join(resultsDir, files.find((f) => f.startsWith("experiment_config_"))!),
        ),
      );
      assert.equal(manifest.runs.length, 1);
      assert.equal(manifest.runs[0].status, "complete");
      assert.equal(manifest.runs[0].resumed_at.length, 1);
    } finally {
      await server.close();
      await Deno.remove(configDir, { recursive: true });
    }
  });
});
