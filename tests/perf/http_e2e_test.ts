/**
 * The HTTP path against a local server that speaks LM Studio's API and generates with the real
 * llama.cpp engine (tests/helpers/lmstudio_like_server.ts, a subprocess on 127.0.0.1).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createLmStudioBackend } from "../../lib/backends/mod.ts";
import { loadProjectConfig } from "../../lib/config/mod.ts";
import { median } from "../../lib/stats/mod.ts";
import {
  lmStudioModelsYaml,
  readPerfLines,
  runCli,
  startLmStudioLikeServer,
  writeTestConfig,
} from "../helpers/mod.ts";

Deno.test("client TTFT agrees with the server's own first-token time, and client t/s with the engine's", async () => {
  const server = await startLmStudioLikeServer();
  try {
    const backend = createLmStudioBackend(server.baseUrl, {
      modelId: "test/stories260k",
      format: "GGUF",
      quantization: "F32",
    });
    const facts = await backend.ensureModel();
    assert.equal(facts.format, "GGUF");
    const s = (await loadProjectConfig()).scenarios.interactive_assistant;
    const request = {
      messages: [{ role: "system" as const, content: s.system_prompt! }, {
        role: "user" as const,
        content: s.prompt,
      }],
      maxTokens: 64,
      temperature: 0,
      seed: 42,
    };
    await backend.chat(request); // warm-up
    const diffs: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await backend.chat(request);
      const clientTtft = r.timing.firstContentAt! - r.timing.sentAt;
      diffs.push(clientTtft - r.serverTimings!.ttft_ms!);
      const clientTps = (r.outputTokens! - 1) /
        ((r.timing.lastContentAt! - r.timing.firstContentAt!) / 1000);
      ratios.push(clientTps / r.serverTimings!.output_tokens_per_s!);
      assert.equal(r.tokenCountSource, "server");
      assert.equal(r.outputTokens, r.serverTimings!.output_tokens);
    }
    // Stated tolerance: the client sees the first token at most 25 ms after the server wrote it
    // (loopback + request upload), never before; streaming rates agree within 20 %.
    const d = median(diffs), q = median(ratios);
    assert.ok(
      d >= 0 && d < 25,
      `median client - server TTFT ${d.toFixed(2)} ms (${diffs.map((x) => x.toFixed(1))})`,
    );
    assert.ok(q > 0.8 && q < 1.2, `median client/engine t/s ${q.toFixed(3)}`);
  } finally {
    await server.stop();
  }
});

Deno.test("perf refuses to measure when the loaded model's format differs from the config, naming both", async () => {
  const server = await startLmStudioLikeServer(["--loaded-format", "MLX"]);
  try {
    const tmp = await Deno.makeTempDir();
    const cfg = await writeTestConfig(
      join(tmp, "configs"),
      lmStudioModelsYaml(server.baseUrl, "GGUF", "F32"),
    );
    const out = await runCli("lib/cli/perf.ts", [
      "--config-dir",
      cfg,
      "--models",
      "test_lmstudio",
      "--scenarios",
      "interactive_assistant",
      "--runs",
      "2",
      "--warmup",
      "0",
      "--results-dir",
      join(tmp, "results"),
    ]);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.ok(
      out.stdout.includes("ID: test/stories260k") &&
        out.stdout.includes("Expected format: GGUF F32"),
      "the expected model is printed first",
    );
    assert.ok(
      out.stderr.includes(
        "Loaded model 'test/stories260k' is MLX 4bit but the config expects GGUF F32",
      ),
      out.stderr,
    );
    assert.deepEqual(await readPerfLines(join(tmp, "results")), [], "no request was measured");
  } finally {
    await server.stop();
  }
});

Deno.test("a server killed mid-run gives per-request errors, a success rate below 100 % and a run that --resume completes", async () => {
  let server = await startLmStudioLikeServer();
  const tmp = await Deno.makeTempDir();
  const results = join(tmp, "results");
  const runs = 30, warmup = 1;
  try {
    const cfg = await writeTestConfig(
      join(tmp, "configs"),
      lmStudioModelsYaml(server.baseUrl) + `    memory:\n      pids: [${server.pid}]\n`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        "lib/cli/perf.ts",
        "--config-dir",
        cfg,
        "--models",
        "test_lmstudio",
        "--scenarios",
        "interactive_assistant",
        "--runs",
        String(runs),
        "--warmup",
        String(warmup),
        "--results-dir",
        results,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const t0 = Date.now();
    while ((await readPerfLines(results).catch(() => [])).length < 6 && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await server.stop("SIGKILL");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(stderr, /consecutive failed requests/);
    assert.match(stderr, /--resume/);
    const partial = await readPerfLines(results);
    const failed = partial.filter((r) => r.error !== null);
    assert.equal(failed.length, 3, "three failed requests, then the model is stopped");
    assert.ok(
      partial.filter((r) => r.error === null && !r.warmup).every((r) =>
        (r.peak_rss_bytes as number) > 10 * 1024 * 1024
      ),
      "the server process's memory was sampled",
    );
    // Restart the server (new port) and continue the same run.
    server = await startLmStudioLikeServer();
    const resumed = await runCli("lib/cli/perf.ts", [
      "--resume",
      "--results-dir",
      results,
      "--base-url",
      server.baseUrl,
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const all = await readPerfLines(results);
    // --resume retries the failed slots as new attempts; the failed records stay, superseded.
    assert.equal(all.length, runs + warmup + failed.length);
    const keys = all.map((r) => `${r.warmup}|${r.repetition}|${r.attempt}`);
    assert.equal(new Set(keys).size, keys.length, "no duplicates");
    const latest = new Map<string, Record<string, unknown>>();
    for (const r of all) {
      const slot = `${r.warmup}|${r.repetition}`;
      if ((latest.get(slot)?.attempt as number ?? -1) < (r.attempt as number)) latest.set(slot, r);
    }
    assert.equal(latest.size, runs + warmup);
    assert.ok([...latest.values()].every((r) => r.error === null), "every slot ends answered");
    assert.equal(all.filter((r) => r.error !== null).length, failed.length, "failures stay");
    assert.ok(all.filter((r) => r.error !== null).every((r) => r.attempt === 0));
    assert.ok(resumed.stdout.includes("Success rate:   100.0%"), resumed.stdout);
    assert.ok(
      resumed.stdout.includes("re-warming"),
      "the cold server is warmed again before measuring",
    );
  } finally {
    await server.stop();
  }
});
