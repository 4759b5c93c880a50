/**
 * Classification metrics for the capability evaluations: confusion matrix, per-class
 * precision/recall/F1, macro-F1 and its seeded bootstrap interval.
 *
 * Conventions (those of scikit-learn's `f1_score(y_true, y_pred, labels=L, average="macro",
 * zero_division=0)`):
 * - Every label in the label set counts in the macro average, including labels that never occur
 *   in the references and labels that are never predicted.
 * - Per class, F1 = 2·TP / (2·TP + FP + FN); precision = TP / (TP + FP); recall = TP / (TP + FN).
 *   A ratio whose denominator is 0 takes the `zeroDivision` value (default 0). So a class that
 *   is never predicted but occurs scores F1 = 0, a class that is predicted but never occurs
 *   scores F1 = 0, and a class absent from both scores `zeroDivision`.
 * - An invalid prediction (null, or a label outside the label set) is wrong for every class:
 *   a false negative for its reference class and a false positive for none.
 * - A reference outside the label set is a data error (RangeError).
 * @module
 */
import { type BootstrapCi, type BootstrapOptions, resampleIndices } from "./_bootstrap.ts";
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
}

/** Options for {@linkcode macroF1Ci}. */
export interface MacroF1CiOptions extends ClassificationOptions, BootstrapOptions {}

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
 * Unweighted mean of the per-class F1 over the whole label set. Higher is better.
 * Small n: null when there are no samples (n = 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { macroF1 } from "./mod.ts";
 * // a: TP 1, FN 1 → F1 2/3; b: TP 1, FP 1 → F1 2/3
 * assert.equal(macroF1(["a", "a", "b"], ["a", "b", "b"]), 2 / 3);
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
  return macroF1Of(encoded, identity(encoded.refs.length), zero);
}

/**
 * Macro-F1 with a seeded percentile bootstrap interval over samples: each resample draws n
 * (reference, prediction) pairs with replacement and scores them against the same label set.
 * Higher is better. A resample that misses a class entirely scores it `zeroDivision`, exactly as
 * the estimator would on such a sample, so with only one or two samples per class the interval
 * reaches further down than the estimate suggests.
 * Small n: n = 0 gives `estimate` and `ci95` null; n = 1 a zero-width interval.
 */
export function macroF1Ci(
  refs: readonly string[],
  preds: readonly (string | null)[],
  options: MacroF1CiOptions = {},
): BootstrapCi {
  const encoded = encode(refs, preds, options.labels, "macroF1Ci()");
  const zero = zeroDivisionOf(options, "macroF1Ci()");
  return resampleIndices(
    encoded.refs.length,
    (indices) => macroF1Of(encoded, indices, zero),
    options,
    "macroF1Ci()",
  );
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

function countClasses(encoded: Encoded, indices: Uint32Array) {
  const k = encoded.labels.length;
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (const i of indices) {
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

function macroF1Of(encoded: Encoded, indices: Uint32Array, zero: number): number {
  const k = encoded.labels.length;
  const { tp, support, predicted } = countClasses(encoded, indices);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    // 2TP + FP + FN = TP + (TP + FP) + (TP + FN) − TP = predicted + support.
    sum += ratio(2 * tp[c], predicted[c] + support[c], zero);
  }
  return sum / k;
}

function ratio(numerator: number, denominator: number, zero: number): number {
  return denominator === 0 ? zero : numerator / denominator;
}
