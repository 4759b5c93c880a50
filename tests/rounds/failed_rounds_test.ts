/**
 * A rounds run whose rounds failed is incomplete, like a perf run whose requests failed: exit 1,
 * the count of failed rounds, the run left resumable. The model is an `openai` model whose
 * launched server is `/bin/false` (it exits at once), so every round fails to apply.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestSchema } from "../../lib/results/mod.ts";
import { runCli, STORIES } from "../helpers/mod.ts";
import { testConfig } from "./_helpers.ts";

Deno.test({
  name: "rounds exits 1 with the count when every round failed, and the run stays resumable",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const configDir = await testConfig(`  broken_server:
    backend: openai
    name: a llama-server that exits at once
    model_id: test/broken
    format: GGUF
    quantization: F32
    server:
      command: ["/bin/false"]
      model_path: ${STORIES}
      startup_timeout_ms: 5000
`);
    const results = join(await Deno.makeTempDir(), "results");
    const out = await runCli("lib/cli/rounds.ts", [
      ...["--model", "broken_server", "--rounds", "baseline,flash_attention", "--no-quality"],
      ...["--config-dir", configDir, "--results-dir", results],
    ]);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.match(out.stderr, /^2 round\(s\) of 2 failed$/m);
    assert.match(out.stderr, /\[failed\] baseline: could not be applied: .*exited with 1/);
    assert.match(
      out.stderr,
      /is incomplete: continue with: deno task rounds --resume rounds_\S+ --results-dir /,
    );
    const manifest = [...Deno.readDirSync(results)].find((e) =>
      e.name.startsWith("experiment_config_")
    )!;
    const run = ManifestSchema.parse(
      JSON.parse(await Deno.readTextFile(join(results, manifest.name))),
    ).runs[0];
    assert.equal(run.status, "interrupted");
    // --resume finds it (and fails the same way: the server still cannot start).
    const resumed = await runCli("lib/cli/rounds.ts", ["--resume", "--results-dir", results]);
    assert.equal(resumed.code, 1, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /\(resumed\)/);
  },
});
