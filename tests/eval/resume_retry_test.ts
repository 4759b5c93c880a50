/**
 * Failed work is never called complete: an eval whose samples failed with request errors (fewer
 * than the consecutive-failure stop) is incomplete, exits 1 with the count, and a plain
 * `--resume` retries exactly the failed samples; the failed records stay in the file,
 * superseded, and the summary counts the latest attempt. Real `deno run lib/cli/eval.ts`
 * subprocesses against a SCRIPTED FAKE server (tests/eval/_scripted_server.ts) that answers
 * HTTP 500 to chosen samples the first time it is asked for them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EvalRecordSchema,
  EvalSummarySchema,
  ManifestSchema,
  readJsonl,
} from "../../lib/results/mod.ts";
import { runCli } from "../helpers/mod.ts";
import { queryOf, scriptedConfigDir, startScriptedServer } from "./_scripted_server.ts";
import { LOCAL_DATA, withTempDir } from "./_helpers.ts";

function only(dir: string, pattern: RegExp): string {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => pattern.test(n));
  assert.equal(names.length, 1, `one file matching ${pattern} in ${dir}: ${names.join(", ")}`);
  return join(dir, names[0]);
}

// [samples, failing]: all 4 samples fail (fewer than the stop at 5 consecutive failures), or 3
// of 8 (every other one).
for (const [SAMPLES, failing] of [[4, 4], [8, 3]] as const) {
  Deno.test(`an eval where ${failing} of ${SAMPLES} samples got HTTP 500 exits 1 with the count, and a plain --resume retries exactly them`, async () => {
    await withTempDir(async (dir) => {
      // The first ask of a failing sample is answered with HTTP 500, every later ask with a
      // label (a transient failure, as when the server restarts).
      const seen = new Map<string, number>();
      let order = 0;
      let failed = 0;
      const server = startScriptedServer((request) => {
        const q = queryOf(request);
        const asked = seen.get(q) ?? 0;
        seen.set(q, asked + 1);
        if (asked === 0) {
          const i = order++;
          if (failing === SAMPLES || (i % 2 === 1 && failed < failing)) {
            failed++;
            return { status: 500 };
          }
        }
        return { content: "card_arrival" };
      });
      const configDir = await scriptedConfigDir(server.baseUrl);
      const results = join(dir, "results");
      const args = [
        "--task",
        "banking77",
        "--model",
        "scripted",
        "--sample-size",
        String(SAMPLES),
        "--config-dir",
        configDir,
        "--data-dir",
        LOCAL_DATA.dataDir!,
        "--results-dir",
        results,
      ];
      try {
        const first = await runCli("lib/cli/eval.ts", args);
        assert.equal(first.code, 1, first.stdout + first.stderr);
        const failedFirst = (await readJsonl(only(results, /\.jsonl$/), EvalRecordSchema)).records
          .filter((r) => r.error !== null);
        assert.match(
          first.stderr,
          new RegExp(`${failing} failed request\\(s\\) of ${SAMPLES} samples`),
        );
        assert.equal(failedFirst.length, failing);
        const summary1 = EvalSummarySchema.parse(
          JSON.parse(await Deno.readTextFile(only(results, /^eval_.*\.json$/))),
        );
        assert.equal(summary1.complete, false);
        const manifestPath = only(results, /^experiment_config_/);
        assert.equal(
          ManifestSchema.parse(JSON.parse(await Deno.readTextFile(manifestPath))).runs[0].status,
          "interrupted",
        );

        // A plain --resume (no run id, no task) finds the run and retries the failed samples.
        const resumed = await runCli("lib/cli/eval.ts", ["--resume", "--results-dir", results]);
        assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
        assert.match(resumed.stdout, /\(resumed\)/);
        const { records } = await readJsonl(only(results, /\.jsonl$/), EvalRecordSchema);
        // The failed records stay, superseded by their retries (attempt 1); nothing else twice.
        assert.equal(records.length, SAMPLES + failing);
        const retries = records.filter((r) => r.attempt === 1);
        assert.deepEqual(
          retries.map((r) => r.sample_id).sort(),
          failedFirst.map((r) => r.sample_id).sort(),
        );
        assert.ok(retries.every((r) => r.error === null));
        assert.equal(server.requests, SAMPLES + failing);
        const summary = EvalSummarySchema.parse(
          JSON.parse(await Deno.readTextFile(only(results, /^eval_.*\.json$/))),
        );
        // The summary counts the latest attempt of each sample: n = SAMPLES, no error left.
        assert.equal(summary.complete, true);
        assert.deepEqual([summary.metrics.n, summary.metrics.errors], [SAMPLES, 0]);
        assert.match(resumed.stdout, new RegExp(`Samples: +${SAMPLES}/${SAMPLES}\\n`));
        const manifest = ManifestSchema.parse(JSON.parse(await Deno.readTextFile(manifestPath)));
        assert.equal(manifest.runs.length, 1);
        assert.equal(manifest.runs[0].status, "complete");
        // Nothing is left to resume.
        const again = await runCli("lib/cli/eval.ts", ["--resume", "--results-dir", results]);
        assert.equal(again.code, 2);
        assert.match(again.stderr, /has no unfinished eval run to resume/);
      } finally {
        await server.close();
        await Deno.remove(configDir, { recursive: true });
      }
    });
  });
}
