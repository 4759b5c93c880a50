import assert from "node:assert/strict";
import { executePerf, preparePerf } from "../../lib/perf/mod.ts";
import { type Environment, powerWarnings } from "../../lib/env/mod.ts";
import "../helpers/mod.ts";

Deno.test("executePerf() reports the environment (battery, Low Power Mode) before the first request", async () => {
  const order: string[] = [];
  let warnings: string[] = [];
  const prepared = await preparePerf({
    models: "stories260k",
    scenarios: "interactive_assistant",
    overrides: { runs: 1, warmup: 0 },
    resultsDir: await Deno.makeTempDir(),
  });
  await executePerf(prepared, {
    // A Mac on battery with Low Power Mode on (injected: this machine has no battery).
    captureEnvironment: () =>
      Promise.resolve({
        power: { source: "battery", low_power_mode: true, battery_percent: 80 },
        git: { commit: null },
      }),
    onEnvironment: (env) => {
      order.push("environment");
      warnings = powerWarnings(env as unknown as Environment);
    },
    onEvent: (e) => {
      if (e.type === "request_done") order.push("request");
    },
  });
  assert.deepEqual(order, ["environment", "request"]);
  assert.equal(warnings.length, 2, warnings.join(" | "));
});
