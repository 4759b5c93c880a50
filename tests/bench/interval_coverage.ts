// deno-lint-ignore-file no-console
/**
 * Interval coverage bench: `deno task bench:coverage [--replicates 400] [--resamples 2000]`.
 *
 * For every interval method the summaries use, draw samples from a known truth, build the
 * interval exactly as the summaries do, and print how often it holds the truth (nominal 95 %),
 * with the Monte Carlo standard error, the mean width, and the share of intervals that leave the
 * metric's range or miss their own estimate. Beside each method, the one it replaced ("old").
 * - Wilson (rates): exact, every outcome weighted by its binomial probability.
 * - Time means (TTFT, E2E, tokens/s): BCa bootstrap on lognormal and two-mode times.
 * - Bounded scores (ROUGE, check shares): BCa bootstrap on Beta and discrete scores in [0, 1].
 * - Macro-F1: BCa bootstrap over the labels present in each resample, on stratified samples of
 *   known confusions (truth: macro-F1 of the expected counts).
 * - Paired accuracy difference (rounds, before/after): Tango's interval + McNemar, exact over
 *   every outcome; paired macro-F1 difference: paired BCa bootstrap.
 * The figures are coverage shares, not timings; the wall time printed at the end is for
 * information (the machine may be shared).
 */
import { parseArgs } from "node:util";
import {
  BOUNDED_DISTRIBUTIONS,
  type CoverageRow,
  macroF1Coverage,
  macroF1Truths,
  meanCoverage,
  PAIRED_TRUTHS,
  pairedCoverage,
  pairedMacroF1Coverage,
  pairedMacroF1Truths,
  TIME_DISTRIBUTIONS,
  wilsonCoverage,
} from "../stats/_coverage.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { replicates: { type: "string" }, resamples: { type: "string" } },
});
const replicates = Number(values.replicates ?? 400);
const resamples = Number(values.resamples ?? 2000);
if (!Number.isInteger(replicates) || replicates < 10 || !Number.isInteger(resamples)) {
  console.error(`--replicates must be an integer >= 10 and --resamples an integer`);
  Deno.exit(2);
}
const options = { replicates, resamples, seed: 1 };
const pct = (x: number) => (100 * x).toFixed(1);

function print(title: string, rows: readonly (CoverageRow & { significant?: number })[]) {
  console.log(`\n## ${title}\n`);
  const extra = rows.some((r) => r.significant !== undefined);
  const header = [
    "method",
    "scenario",
    "n",
    "truth",
    "coverage %",
    "± se",
    "mean width",
    "outside range %",
    "misses estimate %",
    ...(extra ? ["significant %"] : []),
  ];
  const lines = rows.map((r) => [
    r.method,
    r.scenario,
    String(r.n),
    r.truth.toPrecision(4),
    pct(r.coverage),
    r.replicates ? pct(r.se) : "exact",
    r.mean_width.toPrecision(3),
    pct(r.outside_range),
    pct(r.missed_estimate),
    ...(extra ? [r.significant === undefined ? "" : pct(r.significant)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(line(l));
}

const t0 = performance.now();
console.log(
  `Interval coverage, nominal 95 %: ${replicates} samples per simulated row, ${resamples} bootstrap resamples per interval`,
);
print("Rates: Wilson (exact)", wilsonCoverage([0.02, 0.1, 0.5, 0.9], [10, 30, 100]));
print(
  "Positive times (ms): mean with BCa bootstrap vs the old t interval",
  meanCoverage(TIME_DISTRIBUTIONS, [5, 10, 20, 50], [0, Infinity], options),
);
print(
  "Bounded scores in [0, 1]: mean with BCa bootstrap vs the old t interval",
  meanCoverage(BOUNDED_DISTRIBUTIONS, [10, 30, 100], [0, 1], options),
);
print(
  "Macro-F1 (stratified samples of known confusions)",
  macroF1Coverage(macroF1Truths(), options),
);
print(
  "Paired accuracy difference B − A (exact; 'significant' = McNemar at 5 %, its size where B = A)",
  pairedCoverage(PAIRED_TRUTHS, [30, 100]),
);
print(
  "Paired macro-F1 difference B − A",
  pairedMacroF1Coverage(pairedMacroF1Truths(), options),
);
console.log(`\nwall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
