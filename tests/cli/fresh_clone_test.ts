/**
 * A fresh clone stands on its own: `git clone` of this repository into a temporary folder with no
 * workspace `shared` folder beside it, an environment without any EDGE_BENCH_* variable and without network
 * settings, then the README's first command (`deno task demo`). The demo must find its model in
 * the clone (data/models), finish, and leave complete records in the clone's results/.
 *
 * Where the test may create network namespaces (root with `unshare`), the demo runs inside an
 * empty one (`unshare -n`: no interface but a down loopback), which proves it needs no network.
 * The clone holds what is committed (HEAD): on CI's clean clone that is the code under test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";

/** The environment a new user's shell would have: no EDGE_BENCH_*, no proxy, no CI tweaks. */
function freshEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG", "DENO_DIR", "XDG_CACHE_HOME"];
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  for (const name of keep) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function run(cmd: string, args: string[], cwd: string) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    clearEnv: true,
    env: freshEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** `unshare -n` works here (root, or user namespaces allowed). */
async function canUnshareNet(): Promise<boolean> {
  try {
    const out = await new Deno.Command("unshare", { args: ["-n", "true"], stderr: "null" })
      .output();
    return out.code === 0;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "a fresh clone with no shared folder beside it and no EDGE_BENCH_* variables runs `deno task demo` and records every request",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const parent = await Deno.makeTempDir({ prefix: "edge-bench-clone-" });
    try {
      const clone = join(parent, "edge-slm-bench");
      const cloned = await run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone], parent);
      assert.equal(cloned.code, 0, cloned.stderr);
      await assert.rejects(Deno.stat(join(parent, "shared")), Deno.errors.NotFound);
      await assert.rejects(Deno.stat(join(clone, "results")), Deno.errors.NotFound);

      const offline = await canUnshareNet();
      const demo = offline
        ? await run("unshare", ["-n", Deno.execPath(), "task", "demo"], clone)
        : await run(Deno.execPath(), ["task", "demo"], clone);
      const log = demo.stdout + demo.stderr;
      assert.equal(demo.code, 0, log);
      assert.match(demo.stdout, /RESULTS SUMMARY {2}stories260k \/ interactive_assistant/);
      assert.match(demo.stdout, /RESULTS SUMMARY {2}stories260k \/ summarization/);
      assert.match(demo.stdout, /RESULTS SUMMARY {2}stories260k \/ json_extraction/);
      // deno-lint-ignore no-console
      if (!offline) console.log("(unshare -n is not available here: the demo ran with network)");

      const results = join(clone, "results");
      const files = [...Deno.readDirSync(results)].map((e) => e.name).sort();
      const perf = files.filter((f) => f.startsWith("perf_") && f.endsWith(".jsonl"));
      assert.equal(perf.length, 3, files.join(", "));
      const records = perf.flatMap((f) =>
        Deno.readTextFileSync(join(results, f)).trim().split("\n").map((l) => JSON.parse(l))
      );
      // 3 scenarios × (5 measured + 1 warm-up), every one a success on the shipped model.
      assert.equal(records.length, 18);
      assert.equal(records.filter((r) => r.warmup).length, 3);
      for (const r of records) {
        assert.equal(r.error, null, JSON.stringify(r));
        assert.equal(r.model_key, "stories260k");
        assert.equal(r.backend, "embedded");
        assert.ok(r.ttft_ms > 0 && r.output_tokens > 0, JSON.stringify(r));
      }
      const manifest = files.find((f) => f.startsWith("experiment_config_"));
      assert.ok(manifest, files.join(", "));
      const runs = JSON.parse(Deno.readTextFileSync(join(results, manifest))).runs;
      assert.equal(runs.length, 1);
      assert.equal(runs[0].status, "complete");
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});
