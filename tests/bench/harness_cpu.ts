// deno-lint-ignore-file no-console
/**
 * Harness cost: CPU used by the benchmark process itself while streaming (as % of one core), and
 * its peak RSS during a perf run. The model runs in another process (the LM Studio-like test
 * server on the real engine), so every CPU cycle counted here is the harness's: HTTP, SSE parsing,
 * stamping, memory sampling (100 ms), record writing.
 *
 *   deno task bench:harness [--runs 20] [--warmup 3]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { join } from "node:path";
import { executePerf, preparePerf } from "../../lib/perf/mod.ts";
import { lmStudioModelsYaml, startLmStudioLikeServer, writeTestConfig } from "../helpers/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "20" }, warmup: { type: "string", default: "3" } },
}).values;
const vmHwm = async () =>
  Number((await Deno.readTextFile("/proc/self/status")).match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) * 1024;
const server = await startLmStudioLikeServer();
try {
  const tmp = await Deno.makeTempDir();
  const cfg = await writeTestConfig(
    join(tmp, "configs"),
    lmStudioModelsYaml(server.baseUrl) + `    memory:\n      pids: [${server.pid}]\n`,
  );
  const prepared = await preparePerf({
    models: "test_lmstudio",
    scenarios: "interactive_assistant,json_extraction",
    overrides: { runs: Number(args.runs), warmup: Number(args.warmup) },
    configDir: cfg,
    resultsDir: join(tmp, "results"),
  });
  let streamingMs = 0;
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let started = false;
  const result = await executePerf(prepared, {
    onEvent: (e) => {
      // Measure from the first request on: module loading and environment capture excluded.
      if (e.type === "unit_start" && !started) {
        started = true;
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      }
      if (e.type === "request_done" && e.record.e2e_ms) streamingMs += e.record.e2e_ms;
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const requests = result.summaries.reduce((a, s) => a + s.n + s.warmups, 0);
  console.log(
    `Harness cost over a perf run: ${requests} requests, wall ${
      (wallMs / 1000).toFixed(1)
    } s, of which streaming ${(streamingMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `harness CPU: ${cpuMs.toFixed(0)} ms = ${
      (100 * cpuMs / wallMs).toFixed(1)
    } % of one core over the run`,
  );
  console.log(
    `  (upper bound while streaming, counting all harness CPU against streaming time only: ${
      (100 * cpuMs / streamingMs).toFixed(1)
    } %)`,
  );
  console.log(`harness peak RSS (VmHWM): ${((await vmHwm()) / 1024 / 1024).toFixed(1)} MiB`);
  for (const s of result.summaries) {
    console.log(
      `  ${s.scenario}: TTFT ${s.ttft_ms.mean.value?.toFixed(1)} ms, ${
        s.output_tokens_per_s.mean.value?.toFixed(0)
      } t/s, server peak RSS ${(s.peak_rss_bytes! / 1024 / 1024).toFixed(1)} MiB`,
    );
  }
} finally {
  await server.stop();
}
