// deno-lint-ignore-file no-console
/**
 * Harness cost while streaming: CPU used by the benchmark process itself (as % of one core) when
 * a server streams one SSE event per token at ~1,000 tokens/s, and the harness's peak RSS during
 * a perf run. The server is a SCRIPTED FAKE (tests/helpers/paced_server.ts: fixed answers on a
 * fixed schedule, 128 events per request) in its own process, so every CPU cycle counted here is
 * the harness's. The cost is a slope: the extra CPU time of `--requests` more requests divided by
 * their extra wall time, so start-up, module loading and JIT warm-up are not counted.
 *
 * (a) timing path: `backend.chat()` of the LM Studio backend in a loop (HTTP, SSE, stamping).
 * (b) perf run, in process: `executePerf` (plus memory sampling of the server every 100 ms,
 *     record validation and fsync per record) up to the last answer; the unit's summary made
 *     after it (no request in flight) is printed apart, as CPU ms; also its peak RSS (VmHWM).
 * (c) the perf command: `deno task perf` run twice as a subprocess, with 8 and 8 + `--requests`
 *     measured requests; CPU (user + system, from the shell's `times`) over wall, differenced.
 *
 *   deno task bench:harness [--requests 96] [--interval-ms 1] [--json]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLmStudioBackend } from "../../lib/backends/mod.ts";
import { loadProjectConfig } from "../../lib/config/mod.ts";
import { executePerf, preparePerf } from "../../lib/perf/mod.ts";
import { lmStudioModelsYaml, ROOT, writeTestConfig } from "../helpers/mod.ts";
import { startPacedServer } from "../helpers/paced_server.ts";

const SELF = fileURLToPath(import.meta.url);
const args = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "96" },
    "interval-ms": { type: "string", default: "1" },
    part: { type: "string" },
    "base-url": { type: "string" },
    "server-pid": { type: "string" },
    json: { type: "boolean", default: false },
  },
}).values;
const REQUESTS = Number(args.requests);
const WARM = 8;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const vmHwmMiB = () =>
  Number(Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024;

/** CPU and wall at two points: the slope between them is the cost. */
class Slope {
  #cpu = 0;
  #wall = 0;
  mark(): void {
    this.#cpu = cpuMs();
    this.#wall = performance.now();
  }
  percent(): { cpuMs: number; wallMs: number; percent: number } {
    const cpu = cpuMs() - this.#cpu;
    const wall = performance.now() - this.#wall;
    return { cpuMs: cpu, wallMs: wall, percent: (100 * cpu) / wall };
  }
}

async function partStream(baseUrl: string): Promise<Record<string, number>> {
  const backend = createLmStudioBackend(baseUrl, {
    modelId: "test/stories260k",
    format: "GGUF",
    quantization: "F32",
  });
  const s = (await loadProjectConfig()).scenarios.interactive_assistant;
  const request = {
    messages: [
      { role: "system" as const, content: s.system_prompt ?? "" },
      { role: "user" as const, content: s.prompt },
    ],
    maxTokens: 128,
    temperature: 0,
    seed: 42,
  };
  let events = 0;
  for (let i = 0; i < WARM; i++) await backend.chat(request);
  const slope = new Slope();
  slope.mark();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await backend.chat(request, { onContent: () => events++ });
    if (r.text.length === 0) throw new Error("empty answer");
  }
  const m = slope.percent();
  return { ...m, events_per_s: events / (m.wallMs / 1000) };
}

async function partPerf(baseUrl: string, serverPid: number): Promise<Record<string, number>> {
  const tmp = await Deno.makeTempDir({ prefix: "bench-harness-" });
  try {
    const cfg = await writeTestConfig(
      join(tmp, "configs"),
      lmStudioModelsYaml(baseUrl) + `    memory:\n      pids: [${serverPid}]\n`,
    );
    const prepared = await preparePerf({
      models: "test_lmstudio",
      scenarios: "interactive_assistant",
      overrides: { runs: WARM + REQUESTS, warmup: 3 },
      configDir: cfg,
      resultsDir: join(tmp, "results"),
    });
    const slope = new Slope();
    const after = new Slope();
    let done = 0;
    let events = 0;
    let m: ReturnType<Slope["percent"]> | null = null;
    await executePerf(prepared, {
      onEvent: (e) => {
        if (e.type !== "request_done") return;
        done++;
        events += e.record.output_tokens ?? 0;
        if (done === 3 + WARM) {
          slope.mark();
          events = 0;
        }
        // While streaming: up to the last answer. The unit's summary (bootstrap intervals), made
        // once no request is in flight, is measured apart.
        if (done === 3 + WARM + REQUESTS) {
          m = slope.percent();
          after.mark();
        }
      },
    });
    const summary = after.percent();
    if (done !== 3 + WARM + REQUESTS || m === null) throw new Error(`only ${done} requests done`);
    const streaming = m as ReturnType<Slope["percent"]>;
    return {
      ...streaming,
      events_per_s: events / (streaming.wallMs / 1000),
      peak_rss_mib: vmHwmMiB(),
      summary_cpu_ms: summary.cpuMs,
    };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function cliRun(cfg: string, results: string, runs: number) {
  const t0 = performance.now();
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      '"$@" >/dev/null 2>&1; echo "exit $?"; times',
      "bash",
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      join(ROOT, "lib/cli/perf.ts"),
      "--models",
      "test_lmstudio",
      "--scenarios",
      "interactive_assistant",
      "--runs",
      String(runs),
      "--warmup",
      "3",
      "--config-dir",
      cfg,
      "--results-dir",
      results,
    ],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  const text = new TextDecoder().decode(out.stdout);
  if (!text.includes("exit 0")) throw new Error(`perf exited badly: ${text}`);
  // `times`: the shell's user/system, then its children's (the perf process).
  const children = text.trim().split("\n").at(-1)!.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/)!;
  const cpu = (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 +
    Number(children[4])) * 1000;
  return { cpuMs: cpu, wallMs };
}

async function partCli(baseUrl: string, serverPid: number): Promise<Record<string, number>> {
  const tmp = await Deno.makeTempDir({ prefix: "bench-harness-cli-" });
  try {
    const cfg = await writeTestConfig(
      join(tmp, "configs"),
      lmStudioModelsYaml(baseUrl) + `    memory:\n      pids: [${serverPid}]\n`,
    );
    const short = await cliRun(cfg, join(tmp, "r1"), WARM);
    const long = await cliRun(cfg, join(tmp, "r2"), WARM + REQUESTS);
    const cpu = long.cpuMs - short.cpuMs;
    const wall = long.wallMs - short.wallMs;
    return { cpuMs: cpu, wallMs: wall, percent: (100 * cpu) / wall };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function child(part: string, baseUrl: string, pid: number): Promise<Record<string, number>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      SELF,
      "--part",
      part,
      "--base-url",
      baseUrl,
      "--server-pid",
      String(pid),
      "--requests",
      String(REQUESTS),
    ],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  if (out.code !== 0) throw new Error(`part ${part} failed: ${text}`);
  return JSON.parse(text);
}

if (args.part) {
  const base = args["base-url"]!;
  const pid = Number(args["server-pid"]);
  const result = args.part === "stream"
    ? await partStream(base)
    : args.part === "perf"
    ? await partPerf(base, pid)
    : await partCli(base, pid);
  console.log(JSON.stringify(result));
} else {
  const server = await startPacedServer({
    intervalMs: Number(args["interval-ms"]),
    tokens: 128,
    modelId: "test/stories260k",
  });
  try {
    const stream = await child("stream", server.baseUrl, server.pid);
    const perf = await child("perf", server.baseUrl, server.pid);
    const cli = await child("cli", server.baseUrl, server.pid);
    const f = (x: number) => x.toFixed(2);
    console.log(
      `Harness cost at ~${Math.round(stream.events_per_s)} events/s ` +
        `(SCRIPTED FAKE paced server, 128 events per request, slope over ${REQUESTS} requests; ` +
        `${navigator.hardwareConcurrency} cores)`,
    );
    console.log(`(a) timing path (backend.chat):      ${f(stream.percent)} % of one core`);
    console.log(
      `(b) perf run in process:             ${f(perf.percent)} % of one core ` +
        `(then the unit summary: ${perf.summary_cpu_ms.toFixed(0)} ms CPU, no request in flight)`,
    );
    console.log(`(c) perf command (deno task perf):   ${f(cli.percent)} % of one core`);
    console.log(
      `harness peak RSS during the perf run (VmHWM): ${perf.peak_rss_mib.toFixed(1)} MiB`,
    );
    if (args.json) {
      console.log(`BENCH ${
        JSON.stringify([
          {
            figure: "harness CPU while streaming ~1,000 tokens/s: timing path",
            value: stream.percent,
            unit: "% of a core",
            goal: 2,
            better: "lower",
          },
          {
            figure: "harness CPU while streaming ~1,000 tokens/s: perf run",
            value: perf.percent,
            unit: "% of a core",
            goal: 2,
            better: "lower",
          },
          {
            figure: "harness CPU while streaming ~1,000 tokens/s: perf command",
            value: cli.percent,
            unit: "% of a core",
            goal: 2,
            better: "lower",
          },
          {
            figure: "harness peak RSS during a perf run",
            value: perf.peak_rss_mib,
            unit: "MiB",
            goal: 120,
            better: "lower",
          },
        ])
      }`);
    }
  } finally {
    await server.stop();
  }
}
