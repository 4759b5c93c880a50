// deno-lint-ignore-file no-console
/**
 * `deno task demo`: the main job on the embedded default. A short performance run of the
 * `stories260k` model over the three seed scenarios ({@linkcode DEMO_RUNS} measured runs each), printing the
 * seed's summary block for each and where the results are.
 * @module
 */
import { main as perf } from "./perf.ts";
import { runMain } from "./_common.ts";

/** Measured requests and warm-ups per scenario in the demo (the full method uses 20 and 3). */
export const DEMO_RUNS = 5;
export const DEMO_WARMUP = 1;

if (import.meta.main) {
  await runMain(async () => {
    console.log("Edge SLM Bench demo: a short performance run on the embedded llama.cpp engine");
    console.log(
      `(stories260K, ${DEMO_RUNS} runs + ${DEMO_WARMUP} warm-up per scenario; the article's method is 20 + 3)\n`,
    );
    const code = await perf([
      "--models",
      "stories260k",
      "--scenarios",
      "all",
      "--runs",
      String(DEMO_RUNS),
      "--warmup",
      String(DEMO_WARMUP),
      ...Deno.args,
    ]);
    if (code === 0) {
      console.log(
        "\nNext: 'deno task perf --help', or open notebooks/01_performance.ipynb (README).",
      );
    }
    return code;
  });
}
