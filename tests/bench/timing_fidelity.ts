// deno-lint-ignore-file no-console
/**
 * Timing fidelity: client-side TTFT and output tokens/s against the server's own measurements, on
 * the LM Studio-like test server generating with the real llama.cpp engine (another process).
 * Prints median (and p10/p90) of client TTFT − server TTFT and of client t/s ÷ engine t/s.
 *
 *   deno task bench:timing [--requests 20] [--max-tokens 128] [--scenario interactive_assistant]
 *     [--json]   (also a `BENCH [...]` line of figures for `deno task bench`)
 */
import { parseArgs } from "node:util";
import { createLmStudioBackend } from "../../lib/backends/mod.ts";
import { loadProjectConfig } from "../../lib/config/mod.ts";
import { quantile } from "../../lib/stats/mod.ts";
import { startLmStudioLikeServer } from "../helpers/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "20" },
    "max-tokens": { type: "string", default: "128" },
    scenario: { type: "string", default: "interactive_assistant" },
    json: { type: "boolean", default: false },
  },
}).values;
const n = Number(args.requests);
const server = await startLmStudioLikeServer();
try {
  const backend = createLmStudioBackend(server.baseUrl, {
    modelId: "test/stories260k",
    format: "GGUF",
    quantization: "F32",
  });
  const s = (await loadProjectConfig()).scenarios[args.scenario!];
  const request = {
    messages: [
      ...(s.system_prompt ? [{ role: "system" as const, content: s.system_prompt }] : []),
      { role: "user" as const, content: s.prompt },
    ],
    maxTokens: Number(args["max-tokens"]),
    temperature: 0,
    seed: 42,
  };
  for (let i = 0; i < 3; i++) await backend.chat(request);
  const dTtft: number[] = [], rTps: number[] = [], clientTtft: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await backend.chat(request);
    const ttft = r.timing.firstContentAt! - r.timing.sentAt;
    clientTtft.push(ttft);
    dTtft.push(ttft - r.serverTimings!.ttft_ms!);
    const tps = (r.outputTokens! - 1) /
      ((r.timing.lastContentAt! - r.timing.firstContentAt!) / 1000);
    rTps.push(tps / r.serverTimings!.output_tokens_per_s!);
  }
  const q = (xs: number[], p: number) => quantile(xs, p);
  console.log(
    `Timing fidelity, ${n} requests, scenario ${args.scenario}, max_tokens ${
      args["max-tokens"]
    } (stories260K, LM Studio-like server on 127.0.0.1)`,
  );
  console.log(
    `client TTFT (ms):                    median ${q(clientTtft, 0.5).toFixed(2)}  p10 ${
      q(clientTtft, 0.1).toFixed(2)
    }  p90 ${q(clientTtft, 0.9).toFixed(2)}`,
  );
  console.log(
    `client TTFT − server TTFT (ms):      median ${q(dTtft, 0.5).toFixed(2)}  p10 ${
      q(dTtft, 0.1).toFixed(2)
    }  p90 ${q(dTtft, 0.9).toFixed(2)}`,
  );
  console.log(
    `client t/s ÷ engine t/s:             median ${q(rTps, 0.5).toFixed(4)}  p10 ${
      q(rTps, 0.1).toFixed(4)
    }  p90 ${q(rTps, 0.9).toFixed(4)}`,
  );
  if (args.json) {
    console.log(`BENCH ${
      JSON.stringify([
        {
          figure: "timing fidelity: client TTFT − server TTFT, median",
          value: q(dTtft, 0.5),
          unit: "ms",
          goal: null,
          better: "lower",
        },
        {
          figure: "timing fidelity: client t/s ÷ engine t/s, median",
          value: q(rTps, 0.5),
          unit: "",
          goal: null,
          better: "closer to 1",
        },
      ])
    }`);
  }
} finally {
  await server.stop();
}
