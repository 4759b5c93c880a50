// deno-lint-ignore-file no-console
/**
 * Eval harness bench: `deno run -A tests/bench/eval_concurrency.ts [--samples 20]`.
 *
 * (a) Harness efficiency: a sequential Banking77 eval on the embedded engine (stories260K);
 *     engine time = the sum of the per-sample request times (request → response consumed, the
 *     `latency_ms` of each record) ÷ wall time of the whole sample loop (first request to last
 *     record flushed). 1.0 means the harness (prompting, scoring, JSONL fsync) costs nothing.
 * (b) Speed-up of --concurrency 4 over sequential against a server with 4 parallel slots:
 *     1. a SCRIPTED FAKE server (tests/eval/_scripted_server.ts) with a fixed 200 ms per request
 *        and 4 slots: measures what the harness's own concurrency delivers;
 *     2. a real 4-slot engine server (tests/bench/_llama_slot_server.ts: node-llama-cpp, one
 *        context with 4 sequences, stories260K, on this machine's CPU cores).
 * (c) Prompt cache: share of prompt tokens that the 4-slot engine server reports as served from
 *     its cache (llama-server's `timings.cache_n` → `serverTimings.cached_prompt_tokens`): the
 *     77-label instruction block is a shared prefix, so after a slot's first request only the
 *     query is evaluated. Also the embedded engine's own share in (a) (eval requests are warm).
 * (d) Harness overhead per sample against a server answering in 32 ms: a SCRIPTED FAKE server in
 *     its own process (tests/helpers/paced_server.ts: a label after 32 ms), a sequential eval of
 *     `--overhead-samples` samples; overhead = (wall − Σ latency_ms) / n, engine-bound share =
 *     Σ latency_ms / wall.
 *
 *   deno task bench:eval [--samples 20] [--overhead-samples 200] [--json]
 */
import { join } from "node:path";
import { type EvalEvent, executeEval, prepareEval } from "../../lib/eval/mod.ts";
import { queryOf, scriptedConfigDir, startScriptedServer } from "../eval/_scripted_server.ts";
import { LOCAL_DATA, noEnvironment, testEnv } from "../eval/_helpers.ts";
import { DATA_DIR, MODELS_DIR } from "../helpers/mod.ts";
import { startPacedServer } from "../helpers/paced_server.ts";
import { startSlotServer } from "./_llama_slot_server.ts";

const flag = Deno.args.indexOf("--samples");
const SAMPLES = flag >= 0 ? Number(Deno.args[flag + 1]) : 20;
const overheadFlag = Deno.args.indexOf("--overhead-samples");
const OVERHEAD_SAMPLES = overheadFlag >= 0 ? Number(Deno.args[overheadFlag + 1]) : 200;
const MODEL_FILE = join(MODELS_DIR, "stories260K.gguf");

async function timedEval(
  request: { model: string; configDir?: string },
  concurrency: number,
  env?: (name: string) => string | undefined,
  samples = SAMPLES,
) {
  const resultsDir = await Deno.makeTempDir({ prefix: "edge-bench-eval-bench-" });
  try {
    const prepared = await prepareEval(
      { task: "banking77", overrides: { sample_size: samples }, resultsDir, ...request },
      { data: LOCAL_DATA, env },
    );
    let first = 0;
    let last = 0;
    const onEvent = (e: EvalEvent) => {
      if (e.type === "start") first = performance.now();
      if (e.type === "sample_done") last = performance.now();
    };
    const result = await executeEval(prepared, {
      concurrency,
      onEvent,
      backend: { env },
      captureEnvironment: noEnvironment,
    });
    const records = (await Deno.readTextFile(result.recordsPath)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const engineMs = records.reduce((s, r) => s + (r.latency_ms ?? 0), 0);
    const promptTokens = records.reduce((s, r) => s + (r.prompt_tokens ?? 0), 0);
    const cached = records.reduce((s, r) => s + (r.cached_prompt_tokens ?? 0), 0);
    return {
      wallMs: last - first,
      engineMs,
      promptTokens,
      cached,
      n: records.length,
      summary: result.summary,
    };
  } finally {
    await Deno.remove(resultsDir, { recursive: true });
  }
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
console.log(
  `Eval harness bench: Banking77, ${SAMPLES} samples (stratified, seed 42), ${navigator.hardwareConcurrency} cores`,
);
console.log(`datasets: ${DATA_DIR}`);

// (d)
const paced = await startPacedServer({ delayMs: 32, answer: "card_arrival", modelId: "scripted" });
const pacedDir = await scriptedConfigDir(`${paced.baseUrl}/v1`);
const over = await timedEval(
  { model: "scripted", configDir: pacedDir },
  1,
  undefined,
  OVERHEAD_SAMPLES,
);
await paced.stop();
await Deno.remove(pacedDir, { recursive: true });
const overheadMs = (over.wallMs - over.engineMs) / over.n;
console.log(
  "\n(d) Harness overhead per sample, sequential, SCRIPTED FAKE server answering in 32 ms (own process)",
);
console.log(
  `    wall ${f1(over.wallMs)} ms, requests ${f1(over.engineMs)} ms over ${over.n} samples: ` +
    `overhead ${f2(overheadMs)} ms/sample, engine-bound share ${f2(over.engineMs / over.wallMs)}`,
);

// (a)
const seq = await timedEval({ model: "stories260k" }, 1, testEnv);
console.log("\n(a) Harness efficiency, sequential, embedded engine (stories260K)");
console.log(`    wall ${f1(seq.wallMs)} ms, engine ${f1(seq.engineMs)} ms over ${seq.n} samples`);
console.log(
  `    efficiency (engine / wall) = ${f2(seq.engineMs / seq.wallMs)}; harness overhead ${
    f1((seq.wallMs - seq.engineMs) / seq.n)
  } ms/sample`,
);

// (b1)
const scripted = startScriptedServer(
  (r) => ({ content: queryOf(r).length % 2 ? "card_arrival" : "pin_blocked", delayMs: 200 }),
  { slots: 4 },
);
const scriptedDir = await scriptedConfigDir(scripted.baseUrl);
const s1 = await timedEval({ model: "scripted", configDir: scriptedDir }, 1);
const s4 = await timedEval({ model: "scripted", configDir: scriptedDir }, 4);
await scripted.close();
await Deno.remove(scriptedDir, { recursive: true });
console.log(
  "\n(b1) --concurrency 4 vs 1, SCRIPTED FAKE server (4 slots, fixed 200 ms per request)",
);
console.log(
  `    sequential ${f1(s1.wallMs)} ms, concurrency 4 ${f1(s4.wallMs)} ms: speed-up ${
    f2(s1.wallMs / s4.wallMs)
  }x (ideal 4.00x)`,
);
console.log(
  `    same metrics: ${JSON.stringify(s1.summary.metrics) === JSON.stringify(s4.summary.metrics)}`,
);

// (b2) + (c)
const slotServer = await startSlotServer(MODEL_FILE, { slots: 4, contextSize: 2048, threads: 1 });
const slotsDir = await scriptedConfigDir(slotServer.baseUrl);
const e1 = await timedEval({ model: "scripted", configDir: slotsDir }, 1);
const e4 = await timedEval({ model: "scripted", configDir: slotsDir }, 4);
await slotServer.close();
await Deno.remove(slotsDir, { recursive: true });
console.log(
  "\n(b2) --concurrency 4 vs 1, real 4-slot engine server (node-llama-cpp, stories260K, 1 thread: more is slower for this model)",
);
console.log(
  `    sequential ${f1(e1.wallMs)} ms, concurrency 4 ${f1(e4.wallMs)} ms: speed-up ${
    f2(e1.wallMs / e4.wallMs)
  }x`,
);
console.log(
  `    same metrics: ${
    JSON.stringify(e1.summary.metrics.accuracy) === JSON.stringify(e4.summary.metrics.accuracy)
  }`,
);
console.log(
  "\n(c) Prompt cache on the 4-slot engine server (timings.cache_n → cached_prompt_tokens)",
);
for (const [name, r] of [["sequential", e1], ["concurrency 4", e4]] as const) {
  console.log(
    `    ${name}: ${r.cached} of ${r.promptTokens} prompt tokens from cache = ${
      f1((100 * r.cached) / r.promptTokens)
    }% (${f1(r.promptTokens / r.n)} prompt tokens/sample)`,
  );
}
console.log(
  "    (each run starts on slots still holding the previous run's prompts; the first request of a slot in a fresh server has nothing cached)",
);
const embeddedShare = seq.promptTokens ? seq.cached / seq.promptTokens : 0;
console.log(
  `    embedded engine, sequential (a): ${seq.cached} of ${seq.promptTokens} prompt tokens from cache = ${
    f1(100 * embeddedShare)
  }%`,
);
if (Deno.args.includes("--json")) {
  console.log(`BENCH ${
    JSON.stringify([
      {
        figure: "eval overhead per sample, server answering in 32 ms",
        value: overheadMs,
        unit: "ms",
        goal: 1,
        better: "lower",
      },
      {
        figure: "eval engine-bound share, server answering in 32 ms",
        value: over.engineMs / over.wallMs,
        unit: "",
        goal: 0.97,
        better: "higher",
      },
      {
        figure: "embedded engine on Banking77: prompt tokens from cache",
        value: 100 * embeddedShare,
        unit: "%",
        goal: 90,
        better: "higher",
      },
    ])
  }`);
}
