/** Two result sets side by side (e.g. before/after an LM Studio update). @module */
import {
  capabilityDifference,
  type Difference,
  type SamplesBySummary,
  welchDifference,
} from "./_diff.ts";
import type { CapabilityRow } from "./capability.ts";
import { PERF_METRICS } from "./formats.ts";
import type { PerformanceRow } from "./performance.ts";

/** The tables of one result set that a comparison reads. */
export interface ComparableTables {
  performance: readonly PerformanceRow[];
  capability: readonly CapabilityRow[];
  /**
   * Per-sample outcomes of the capability runs by summary file (`samplesBySummary(results.eval)`),
   * so that two runs over the same samples are compared paired. @default none: unpaired
   */
  samples?: SamplesBySummary;
}

/** One metric of one unit in both sets: after − before with its 95 % interval. */
export interface ComparisonRow {
  kind: "performance" | "capability";
  model_key: string;
  format: string;
  quantization: string;
  /** Scenario (performance) or task (capability). */
  unit: string;
  metric: string;
  higher_is_better: boolean;
  before: number | null;
  before_n: number | null;
  after: number | null;
  after_n: number | null;
  /** after − before. */
  diff: number | null;
  diff_lo: number | null;
  diff_hi: number | null;
  /** The interval excludes zero. */
  significant: boolean | null;
  /** "better", "worse" (when significant), "no significant change", or "only in before/after". */
  change: string;
  method: string;
  /** McNemar's p-value where the comparison is a paired accuracy; else null. */
  p_value: number | null;
}

const perfKey = (r: PerformanceRow) =>
  [r.model_key, r.format, r.quantization, r.scenario, r.round, r.runner].join("\u0000");
const capKey = (r: CapabilityRow) => [r.model_key, r.format, r.quantization, r.task].join("\u0000");

function change(d: Difference, higher: boolean, before: unknown, after: unknown): string {
  if (before === undefined) return "only in after";
  if (after === undefined) return "only in before";
  if (d.significant === null) return "no interval";
  if (!d.significant) return "no significant change";
  return (d.diff! > 0) === higher ? "better" : "worse";
}

function keys<T>(a: readonly T[], b: readonly T[], key: (r: T) => string): string[] {
  return [...new Set([...a.map(key), ...b.map(key)])].sort();
}

/**
 * Per-metric differences (after − before) for every unit in either set: Welch intervals for the
 * performance means (repetitions of two runs are independent); for capability, when both runs
 * answered the same samples (per-sample outcomes given), paired: Tango's interval with McNemar's
 * test for accuracy, a paired BCa bootstrap for macro-F1; otherwise Newcombe for accuracy and a
 * normal approximation from the two intervals for macro-F1. `significant` when the interval
 * excludes zero (paired accuracy: when McNemar's test rejects).
 */
export function compareResultSets(
  before: ComparableTables,
  after: ComparableTables,
): ComparisonRow[] {
  const out: ComparisonRow[] = [];
  for (const key of keys(before.performance, after.performance, perfKey)) {
    const b = before.performance.find((r) => perfKey(r) === key);
    const a = after.performance.find((r) => perfKey(r) === key);
    const any = (a ?? b)!;
    for (const { metric, higher } of PERF_METRICS) {
      const side = (r: PerformanceRow | undefined) =>
        r
          ? { mean: r[metric], sd: r[`${metric}_sd`], n: r[`${metric}_n`] }
          : { mean: null, sd: null, n: 0 };
      const d = welchDifference(side(b), side(a));
      out.push({
        kind: "performance",
        model_key: any.model_key,
        format: any.format,
        quantization: any.quantization,
        unit: any.scenario,
        metric,
        higher_is_better: higher,
        before: b?.[metric] ?? null,
        before_n: b ? b[`${metric}_n`] : null,
        after: a?.[metric] ?? null,
        after_n: a ? a[`${metric}_n`] : null,
        diff: d.diff,
        diff_lo: d.lo,
        diff_hi: d.hi,
        significant: d.significant,
        change: change(d, higher, b, a),
        method: d.method,
        p_value: null,
      });
    }
  }
  for (const key of keys(before.capability, after.capability, capKey)) {
    const b = before.capability.find((r) => capKey(r) === key);
    const a = after.capability.find((r) => capKey(r) === key);
    const any = (a ?? b)!;
    for (const metric of ["accuracy", "macro_f1"] as const) {
      if ((b?.[metric] ?? null) === null && (a?.[metric] ?? null) === null) continue;
      const d = capabilityDifference(metric, b, a, { a: before.samples, b: after.samples });
      out.push({
        kind: "capability",
        model_key: any.model_key,
        format: any.format,
        quantization: any.quantization,
        unit: any.task,
        metric,
        higher_is_better: true,
        before: b?.[metric] ?? null,
        before_n: b?.n ?? null,
        after: a?.[metric] ?? null,
        after_n: a?.n ?? null,
        diff: d.diff,
        diff_lo: d.lo,
        diff_hi: d.hi,
        significant: d.significant,
        change: change(d, true, b, a),
        method: d.method,
        p_value: d.p_value ?? null,
      });
    }
  }
  return out;
}
