/**
 * Classification metrics for the capability evaluations: confusion matrix, per-class
 * precision/recall/F1, macro-F1 with its seeded BCa bootstrap interval, per-class F1 intervals and
 * the paired difference of two runs' macro-F1.
 *
 * Conventions (those of scikit-learn's `f1_score(y_true, y_pred, labels=L, average="macro",
 * zero_division=0)`, with L the labels present in the references by default):
 * - Macro-F1 averages the per-class F1 over the labels present in the sample's references
 *   (`average: "present"`, the default), so a perfect classifier scores 1 on any sample, however
 *   few of the task's labels it holds. `average: "label_set"` averages over the whole label set
 *   instead, counting absent labels as `zeroDivision` (scikit-learn with `labels=` the full set).
 * - Per class, F1 = 2·TP / (2·TP + FP + FN); precision = TP / (TP + FP); recall = TP / (TP + FN).
 *   A ratio whose denominator is 0 takes the `zeroDivision` value (default 0). So a class that
 *   is never predicted but occurs scores F1 = 0, a class that is predicted but never occurs
 *   scores F1 = 0, and a class absent from both scores `zeroDivision`.
 * - An invalid prediction (null, or a label outside the label set) is wrong for every class:
 *   a false negative for its reference class and a false positive for none. A prediction of a
 *   label absent from the references is a false negative for the reference's class.
 * - A reference outside the label set is a data error (RangeError).
 * @module
 */
import {
  bcaLevels,
  type BootstrapCi,
  type BootstrapMethod,
  type BootstrapOptions,
  bootstrapSettings,
  intervalAt,
  resampleIndices,
} from "./_bootstrap.ts";
import type { CiMethod } from "./_ci_method.ts";
import { seededRandom } from "./_random.ts";
import { describe } from "./_validate.ts";

/** Options shared by the classification metrics. */
export interface ClassificationOptions {
  /**
   * The label set, in the order rows and columns are reported. Pass it whenever the task defines
   * one, so that classes missing from this sample still count.
   * @default {the sorted distinct labels of refs and the non-null preds}
   */
  labels?: readonly string[];
  /**
   * Value of a precision, recall or F1 whose denominator is 0 (scikit-learn's `zero_division`).
   * @default {0}
   */
  zeroDivision?: 0 | 1;
  /**
   * Which labels macro-F1 averages over: those present in the references (of the sample, and of
   * each resample), or the whole label set.
   * @default {"present"}
   */
  average?: "present" | "label_set";
}

/** Options for {@linkcode macroF1Ci}, {@linkcode perClassF1Ci} and {@linkcode macroF1DifferenceCi}. */
export interface MacroF1CiOptions extends ClassificationOptions, BootstrapOptions {
  /**
   * `bca` (bias-corrected and accelerated, jackknife from the class counts) or `percentile`.
   * @default {"bca"}
   */
  method?: BootstrapMethod;
}

/** Macro-F1 with its bootstrap interval and the number of labels it averages over. */
export interface MacroF1Ci extends BootstrapCi {
  /** Labels the estimate averages over: present in the references, or the whole label set. */
  labels_averaged: number;
  /** Size of the label set. */
  label_set_size: number;
  /** What the average runs over. */
  average: "present" | "label_set";
}

/** One class's F1 with its bootstrap interval. */
export interface ClassF1Ci {
  label: string;
  /** F1 on the sample. */
  f1: number;
  /** Interval over the resamples that hold the class; null when the sample does not. */
  ci95: [number, number] | null;
  method: CiMethod;
}

/** A paired difference B − A with its interval. */
export interface PairedDifferenceCi {
  /** B − A on the shared samples; null when there are none. */
  value: number | null;
  ci95: [number, number] | null;
  /** The interval lies wholly above or below zero. */
  significant: boolean;
  method: CiMethod;
  n: number;
}

/** Counts of reference label (rows) against predicted label (columns). */
export interface ConfusionMatrix {
  /** Row and column order. */
  labels: string[];
  /** matrix[i][j]: samples whose reference is labels[i] and whose prediction is labels[j]. */
  matrix: number[][];
  /** invalid[i]: samples whose reference is labels[i] and whose prediction is invalid. */
  invalid: number[];
}

/** Precision, recall and F1 of one class (higher is better for all three). */
export interface ClassScore {
  /** The class. */
  label: string;
  /** TP / (TP + FP). */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** 2·TP / (2·TP + FP + FN). */
  f1: number;
  /** Number of samples whose reference is this class (TP + FN). */
  support: number;
  /** Number of samples predicted as this class (TP + FP). */
  predicted: number;
}

/**
 * Confusion matrix of `refs` against `preds` over the label set (see the module conventions).
 * `refs` and `preds` must have the same length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionMatrix } from "./mod.ts";
 * assert.deepEqual(confusionMatrix(["a", "b", "b"], ["a", "a", null], { labels: ["a", "b"] }), {
 *   labels: ["a", "b"],
 *   matrix: [[1, 0], [1, 0]],
 *   invalid: [0, 1],
 * });
 * ```
 */
export function confusionMatrix(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: ClassificationOptions = {},
): ConfusionMatrix {
  const encoded = encode(refs, preds, options.labels, "confusionMatrix()");
  const k = encoded.labels.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const invalid = new Array<number>(k).fill(0);
  for (let i = 0; i < encoded.refs.length; i++) {
    const pred = encoded.preds[i];
    if (pred < 0) invalid[encoded.refs[i]]++;
    else matrix[encoded.refs[i]][pred]++;
  }
  return { labels: encoded.labels, matrix, invalid };
}

/**
 * Precision, recall, F1, support and prediction count for every label, in label-set order.
 * Higher is better.
 */
export function perClassF1(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: ClassificationOptions = {},
): ClassScore[] {
  const encoded = encode(refs, preds, options.labels, "perClassF1()");
  const zero = zeroDivisionOf(options, "perClassF1()");
  const counts = countClasses(encoded, identity(encoded.refs.length));
  return encoded.labels.map((label, c) => {
    const tp = counts.tp[c];
    const fp = counts.predicted[c] - tp;
    const fn = counts.support[c] - tp;
    return {
      label,
      precision: ratio(tp, tp + fp, zero),
      recall: ratio(tp, tp + fn, zero),
      f1: ratio(2 * tp, 2 * tp + fp + fn, zero),
      support: counts.support[c],
      predicted: counts.predicted[c],
    };
  });
}

/**
 * Unweighted mean of the per-class F1 over the labels present in the references (or over the
 * whole label set with `average: "label_set"`). Higher is better.
 * Small n: null when there are no samples (n = 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { macroF1 } from "./mod.ts";
 * // a: TP 1, FN 1 → F1 2/3; b: TP 1, FP 1 → F1 2/3
 * assert.equal(macroF1(["a", "a", "b"], ["a", "b", "b"]), 2 / 3);
 * // 77 labels, 2 of them present and both always right: 1, not 2/77
 * const labels = Array.from({ length: 77 }, (_, i) => `l${i}`);
 * assert.equal(macroF1(["l0", "l1"], ["l0", "l1"], { labels }), 1);
 * ```
 */
export function macroF1(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: ClassificationOptions = {},
): number | null {
  const encoded = encode(refs, preds, options.labels, "macroF1()");
  if (encoded.refs.length === 0) return null;
  const zero = zeroDivisionOf(options, "macroF1()");
  const present = averageOf(options, "macroF1()") === "present";
  return macroF1Of(encoded, identity(encoded.refs.length), zero, present);
}

/**
 * Macro-F1 with a seeded bootstrap interval over samples: each resample draws n (reference,
 * prediction) pairs with replacement and averages the per-class F1 over the labels present in
 * that resample's references (as the estimate does on the sample), so a resample that misses a
 * rare class does not score it 0. The interval is BCa by default (the jackknife comes from the
 * class counts, so it costs O(n·k)), and it always contains the estimate: a perfect classifier
 * gets [1, 1]. Coverage against a known confusion is measured by `deno task bench:coverage`.
 * Higher is better.
 * Small n: n = 0 gives `estimate` and `ci95` null; n = 1 a zero-width interval.
 */
export function macroF1Ci(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: MacroF1CiOptions = {},
): MacroF1Ci {
  const caller = "macroF1Ci()";
  const encoded = encode(refs, preds, options.labels, caller);
  const zero = zeroDivisionOf(options, caller);
  const average = averageOf(options, caller);
  const present = average === "present";
  const bca = methodOf(options, caller) === "bca";
  const n = encoded.refs.length;
  const ci = resampleIndices(
    n,
    (indices) => macroF1Of(encoded, indices, zero, present),
    options,
    caller,
    bca ? () => macroJackknife(encoded, zero, present) : null,
  );
  const counts = countClasses(encoded, identity(n));
  const labels_averaged = present
    ? counts.support.filter((s) => s > 0).length
    : encoded.labels.length;
  return { ...ci, labels_averaged, label_set_size: encoded.labels.length, average };
}

/**
 * F1 of every label with a seeded bootstrap interval, in label-set order: one pass of resamples
 * (as in {@linkcode macroF1Ci}) scores every class, and each class's interval is taken over the
 * resamples whose references hold it (BCa by default, containing the class's F1). A label absent
 * from the references gets a null interval.
 */
export function perClassF1Ci(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: MacroF1CiOptions = {},
): ClassF1Ci[] {
  const caller = "perClassF1Ci()";
  const encoded = encode(refs, preds, options.labels, caller);
  const zero = zeroDivisionOf(options, caller);
  const bca = methodOf(options, caller) === "bca";
  const { seed, resamples, confidence } = bootstrapSettings(options, caller);
  const method: CiMethod = bca ? "bca_bootstrap" : "percentile_bootstrap";
  const n = encoded.refs.length;
  const k = encoded.labels.length;
  const full = countClasses(encoded, identity(n));
  const f1 = (tp: number, support: number, predicted: number) =>
    ratio(2 * tp, support + predicted, zero);
  const byClass = Array.from({ length: k }, () => [] as number[]);
  if (n > 0) {
    const random = seededRandom(seed);
    const indices = new Uint32Array(n);
    for (let r = 0; r < resamples; r++) {
      for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
      const c = countClasses(encoded, indices);
      for (let j = 0; j < k; j++) {
        if (c.support[j] > 0) byClass[j].push(f1(c.tp[j], c.support[j], c.predicted[j]));
      }
    }
  }
  return encoded.labels.map((label, c) => {
    const estimate = f1(full.tp[c], full.support[c], full.predicted[c]);
    if (full.support[c] === 0 || byClass[c].length === 0) {
      return { label, f1: estimate, ci95: null, method };
    }
    const sorted = Float64Array.from(byClass[c]).sort();
    let levels: [number, number] = [(1 - confidence) / 2, 1 - (1 - confidence) / 2];
    if (bca) {
      // Leaving sample i out changes class c's counts only when i is a reference or a
      // prediction of c.
      const jackknife = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const isRef = encoded.refs[i] === c;
        const isPred = encoded.preds[i] === c;
        jackknife[i] = f1(
          full.tp[c] - (isRef && isPred ? 1 : 0),
          full.support[c] - (isRef ? 1 : 0),
          full.predicted[c] - (isPred ? 1 : 0),
        );
      }
      levels = bcaLevels(sorted, estimate, jackknife, confidence, n);
    }
    return { label, f1: estimate, ci95: intervalAt(sorted, levels, estimate), method };
  });
}

/**
 * Paired bootstrap interval for macroF1(B) − macroF1(A) when both runs answered the same samples
 * (`refs[i]` is the reference of sample i, `predsA[i]` and `predsB[i]` the two runs' answers):
 * each resample draws n samples with replacement and scores both runs on the same draw, so the
 * interval reflects the runs' difference rather than the variation between samples. BCa by
 * default; it contains the difference; `significant` when it excludes 0.
 */
export function macroF1DifferenceCi(
  refs: readonly string[],
  predsA: readonly (string | null)[],
  predsB: readonly (string | null)[],
  options: MacroF1CiOptions = {},
): PairedDifferenceCi {
  const caller = "macroF1DifferenceCi()";
  const labels = options.labels ??
    (Array.isArray(predsA) && Array.isArray(predsB)
      ? defaultLabels(refs, [...predsA, ...predsB])
      : undefined);
  const a = encode(refs, predsA, labels, caller);
  const b = encode(refs, predsB, labels, caller);
  const zero = zeroDivisionOf(options, caller);
  const present = averageOf(options, caller) === "present";
  const bca = methodOf(options, caller) === "bca";
  const n = a.refs.length;
  const ci = resampleIndices(
    n,
    (indices) => macroF1Of(b, indices, zero, present) - macroF1Of(a, indices, zero, present),
    options,
    caller,
    bca
      ? () => {
        const ja = macroJackknife(a, zero, present);
        const jb = macroJackknife(b, zero, present);
        return jb.map((v, i) => v - ja[i]);
      }
      : null,
  );
  return {
    value: ci.estimate,
    ci95: ci.ci95,
    significant: ci.ci95 !== null && (ci.ci95[0] > 0 || ci.ci95[1] < 0),
    method: bca ? "paired_bca_bootstrap" : "percentile_bootstrap",
    n,
  };
}

interface Encoded {
  labels: string[];
  /** Label index of each reference. */
  refs: Int32Array;
  /** Label index of each prediction, or −1 when invalid. */
  preds: Int32Array;
}

function encode(
  refs: readonly string[],
  preds: readonly (string | null)[],
  labelsOption: readonly string[] | undefined,
  caller: string,
): Encoded {
  if (!Array.isArray(refs) || !Array.isArray(preds)) {
    throw new TypeError(`${caller} needs arrays of refs and preds`);
  }
  if (refs.length !== preds.length) {
    throw new RangeError(
      `${caller} needs as many predictions as references: ${refs.length} refs, current preds length is ${preds.length}`,
    );
  }
  const labels = labelsOption ? [...labelsOption] : defaultLabels(refs, preds);
  const index = new Map<string, number>();
  labels.forEach((label, i) => {
    if (typeof label !== "string") {
      throw new TypeError(`${caller} needs string labels: labels[${i}] is ${describe(label)}`);
    }
    if (index.has(label)) {
      throw new RangeError(
        `${caller} needs distinct labels: labels[${i}] repeats ${describe(label)}`,
      );
    }
    index.set(label, i);
  });
  const refCodes = new Int32Array(refs.length);
  const predCodes = new Int32Array(preds.length);
  for (let i = 0; i < refs.length; i++) {
    const code = index.get(refs[i]);
    if (code === undefined) {
      throw new RangeError(
        `${caller} needs every reference in the label set: refs[${i}] is ${describe(refs[i])}`,
      );
    }
    refCodes[i] = code;
    const pred = preds[i];
    predCodes[i] = pred === null ? -1 : index.get(pred) ?? -1;
  }
  return { labels, refs: refCodes, preds: predCodes };
}

function defaultLabels(refs: readonly string[], preds: readonly (string | null)[]): string[] {
  const seen = new Set<string>(refs);
  for (const pred of preds) if (pred !== null) seen.add(pred);
  return [...seen].sort();
}

function zeroDivisionOf(options: ClassificationOptions, caller: string): number {
  const zero = options.zeroDivision ?? 0;
  if (zero !== 0 && zero !== 1) {
    throw new RangeError(`${caller} needs zeroDivision 0 or 1: current value is ${describe(zero)}`);
  }
  return zero;
}

function identity(n: number): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  return indices;
}

function countClasses(encoded: Encoded, indices: ArrayLike<number>) {
  const k = encoded.labels.length;
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    const ref = encoded.refs[i];
    const pred = encoded.preds[i];
    support[ref]++;
    if (pred >= 0) {
      predicted[pred]++;
      if (pred === ref) tp[ref]++;
    }
  }
  return { tp, support, predicted };
}

function macroF1Of(
  encoded: Encoded,
  indices: ArrayLike<number>,
  zero: number,
  present: boolean,
): number {
  const { tp, support, predicted } = countClasses(encoded, indices);
  return macroOfCounts(tp, support, predicted, zero, present);
}

function macroOfCounts(
  tp: Float64Array,
  support: Float64Array,
  predicted: Float64Array,
  zero: number,
  present: boolean,
): number {
  let sum = 0;
  let labels = 0;
  for (let c = 0; c < tp.length; c++) {
    if (present && support[c] === 0) continue;
    // 2TP + FP + FN = TP + (TP + FP) + (TP + FN) − TP = predicted + support.
    sum += ratio(2 * tp[c], predicted[c] + support[c], zero);
    labels++;
  }
  return labels === 0 ? zero : sum / labels;
}

/** Macro-F1 of each leave-one-out sample, from the full counts (O(n·k)). */
function macroJackknife(encoded: Encoded, zero: number, present: boolean): Float64Array {
  const n = encoded.refs.length;
  const { tp, support, predicted } = countClasses(encoded, identity(n));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ref = encoded.refs[i];
    const pred = encoded.preds[i];
    const hit = pred === ref ? 1 : 0;
    support[ref]--;
    tp[ref] -= hit;
    if (pred >= 0) predicted[pred]--;
    out[i] = macroOfCounts(tp, support, predicted, zero, present);
    support[ref]++;
    tp[ref] += hit;
    if (pred >= 0) predicted[pred]++;
  }
  return out;
}

function averageOf(options: ClassificationOptions, caller: string): "present" | "label_set" {
  const average = options.average ?? "present";
  if (average !== "present" && average !== "label_set") {
    throw new RangeError(
      `${caller} needs average "present" or "label_set": current value is ${describe(average)}`,
    );
  }
  return average;
}

function methodOf(options: MacroF1CiOptions, caller: string): BootstrapMethod {
  const method = options.method ?? "bca";
  if (method !== "bca" && method !== "percentile") {
    throw new RangeError(
      `${caller} needs method "bca" or "percentile": current value is ${describe(method)}`,
    );
  }
  return method;
}

function ratio(numerator: number, denominator: number, zero: number): number {
  return denominator === 0 ? zero : numerator / denominator;
}
