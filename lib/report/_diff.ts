/**
 * Confidence intervals for the difference of two estimates (b − a), for the GGUF vs MLX table and
 * the comparison of two result sets. Each says which method it used. Two capability runs over
 * the same samples are paired ({@linkcode pairedCapabilityDifference}: Tango + McNemar for
 * accuracy, a paired bootstrap for macro-F1); Welch, Newcombe and the normal approximation are for
 * independent samples.
 * @module
 */
import {
  macroF1DifferenceCi,
  newcombeFromIntervals,
  normalQuantile,
  pairedCounts,
  pairedProportionDifferenceCi,
  welchFromSummaries,
} from "../stats/mod.ts";
import type { CapabilityRow } from "./capability.ts";
import type { SampleOutcome } from "./load.ts";

/**
 * A difference b − a with its interval; `significant` when the interval excludes zero (for
 * `tango_score`: when McNemar's test rejects at 5 %).
 */
export interface Difference {
  diff: number | null;
  lo: number | null;
  hi: number | null;
  significant: boolean | null;
  method:
    | "welch"
    | "newcombe"
    | "normal-from-ci"
    | "tango_score"
    | "paired_bca_bootstrap"
    | "none";
  /** McNemar's p-value (paired accuracy only). */
  p_value?: number | null;
}

const NONE: Difference = { diff: null, lo: null, hi: null, significant: null, method: "none" };

function result(
  diff: number,
  lo: number,
  hi: number,
  method: Difference["method"],
): Difference {
  return { diff, lo, hi, significant: lo > 0 || hi < 0, method };
}

/** Mean, sample standard deviation and n of one group (null when unknown). */
export interface MeanSd {
  mean: number | null;
  sd: number | null;
  n: number;
}

/**
 * Welch's t interval for mean(b) − mean(a): se² = sa²/na + sb²/nb, Welch–Satterthwaite degrees of
 * freedom. Needs n ≥ 2 on both sides (else no interval); two constant groups give a zero-width
 * interval at the difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { welchDifference } from "./_diff.ts";
 * // a: mean 10, sd 2, n 5; b: mean 14, sd 2, n 5 → se = √(0.8 + 0.8) = 1.2649, df = 8,
 * // t(0.975, 8) = 2.306004 → 4 ± 2.91687
 * const d = welchDifference({ mean: 10, sd: 2, n: 5 }, { mean: 14, sd: 2, n: 5 });
 * assert.deepEqual([d.lo?.toFixed(4), d.hi?.toFixed(4), d.significant], ["1.0831", "6.9169", true]);
 * ```
 */
export function welchDifference(a: MeanSd, b: MeanSd, confidence = 0.95): Difference {
  if (a.mean === null || b.mean === null || a.sd === null || b.sd === null) return NONE;
  const d = welchFromSummaries(
    { mean: a.mean, sd: a.sd, n: a.n },
    { mean: b.mean, sd: b.sd, n: b.n },
    confidence,
  );
  return d ? result(...d, "welch") : NONE;
}

/** A proportion with its Wilson interval. */
export interface Proportion {
  value: number | null;
  ci95: [number, number] | null;
}

/**
 * Newcombe's hybrid score interval (method 10, 1998) for p_b − p_a from the two Wilson
 * intervals: lower = d − √((p_b − l_b)² + (u_a − p_a)²), upper = d + √((u_b − p_b)² + (p_a − l_a)²).
 */
export function newcombeDifference(a: Proportion, b: Proportion): Difference {
  if (a.value === null || b.value === null || !a.ci95 || !b.ci95) return NONE;
  return result(
    ...newcombeFromIntervals({ value: a.value, ci95: a.ci95 }, { value: b.value, ci95: b.ci95 }),
    "newcombe",
  );
}

/**
 * An approximate interval when only each side's interval is known (bootstrap macro-F1): each
 * standard error is taken as the interval's width / (2·z), and d ± z·√(se_a² + se_b²).
 */
export function normalDifferenceFromCi(
  a: Proportion,
  b: Proportion,
  confidence = 0.95,
): Difference {
  if (a.value === null || b.value === null || !a.ci95 || !b.ci95) return NONE;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const se = Math.hypot((a.ci95[1] - a.ci95[0]) / (2 * z), (b.ci95[1] - b.ci95[0]) / (2 * z));
  const d = b.value - a.value;
  return result(d, d - z * se, d + z * se, "normal-from-ci");
}

/**
 * The paired difference b − a of two capability runs over the same samples, or null when they
 * are not paired (no records, or not the same set of sample ids with the same references): for
 * accuracy Tango's interval with McNemar's test (exact below 25 discordant samples), for
 * macro-F1 the paired BCa bootstrap over the shared samples (labels present in the references).
 */
export function pairedCapabilityDifference(
  metric: "accuracy" | "macro_f1",
  a: readonly SampleOutcome[] | null | undefined,
  b: readonly SampleOutcome[] | null | undefined,
  options: { seed?: number } = {},
): Difference | null {
  if (!a || !b || a.length === 0 || a.length !== b.length) return null;
  const byId = new Map(b.map((s) => [s.sample_id, s]));
  const pairs: [SampleOutcome, SampleOutcome][] = [];
  for (const s of a) {
    const other = byId.get(s.sample_id);
    if (!other || other.reference !== s.reference) return null;
    pairs.push([s, other]);
  }
  if (metric === "accuracy") {
    const d = pairedProportionDifferenceCi(
      pairedCounts(pairs.map(([x]) => x.correct), pairs.map(([, y]) => y.correct)),
    );
    return {
      diff: d.value,
      lo: d.ci95?.[0] ?? null,
      hi: d.ci95?.[1] ?? null,
      significant: d.significant,
      method: "tango_score",
      p_value: d.p_value,
    };
  }
  const d = macroF1DifferenceCi(
    pairs.map(([x]) => x.reference),
    pairs.map(([x]) => x.prediction),
    pairs.map(([, y]) => y.prediction),
    { seed: options.seed ?? 42 },
  );
  return {
    diff: d.value,
    lo: d.ci95?.[0] ?? null,
    hi: d.ci95?.[1] ?? null,
    significant: d.significant,
    method: "paired_bca_bootstrap",
  };
}

/** Per-sample outcomes of capability runs, by the summary file of their table row. */
export type SamplesBySummary = ReadonlyMap<string, readonly SampleOutcome[] | null>;

/**
 * b − a for one capability metric of two table rows: paired when both runs answered the same
 * samples ({@linkcode pairedCapabilityDifference}; macro-F1 only when both summaries average over
 * the labels present, as the paired bootstrap does), else Newcombe for accuracy and the normal
 * approximation from the two intervals for macro-F1.
 */
export function capabilityDifference(
  metric: "accuracy" | "macro_f1",
  a: CapabilityRow | undefined,
  b: CapabilityRow | undefined,
  samples: { a?: SamplesBySummary; b?: SamplesBySummary } = {},
): Difference {
  const est = (r: CapabilityRow | undefined): Proportion => ({
    value: r?.[metric] ?? null,
    ci95: r && r[`${metric}_lo`] !== null && r[`${metric}_hi`] !== null
      ? [r[`${metric}_lo`]!, r[`${metric}_hi`]!]
      : null,
  });
  if (!a || !b || a[metric] === null || b[metric] === null) {
    return metric === "accuracy"
      ? newcombeDifference(est(a), est(b))
      : normalDifferenceFromCi(est(a), est(b));
  }
  const comparable = metric === "accuracy" ||
    (a.macro_f1_labels !== null && b.macro_f1_labels !== null);
  const paired = comparable
    ? pairedCapabilityDifference(
      metric,
      samples.a?.get(a.summary_file),
      samples.b?.get(b.summary_file),
    )
    : null;
  if (paired) return paired;
  return metric === "accuracy"
    ? newcombeDifference(est(a), est(b))
    : normalDifferenceFromCi(est(a), est(b));
}

/** The per-sample outcomes of every capability run of a result set, by summary file. */
export function samplesBySummary(
  runs: readonly { file: string; samples: readonly SampleOutcome[] | null }[],
): SamplesBySummary {
  return new Map(runs.map((r) => [r.file, r.samples]));
}
