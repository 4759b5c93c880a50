/**
 * Coverage of the interval methods by simulation from a known truth, shared by the coverage test
 * (`tests/stats/coverage_test.ts`, loose bounds, fixed seeds) and the benchmark that prints the
 * table (`deno task bench:coverage`). Each study draws samples from a distribution whose true
 * value is known, builds the interval exactly as the summaries do, and counts how often the
 * interval holds the truth; it also counts intervals that leave the metric's range or miss their
 * own estimate. Wilson and the paired (Tango/McNemar) intervals are enumerated exactly over every
 * possible outcome instead of sampled.
 * @module
 */
import {
  macroF1Ci,
  macroF1DifferenceCi,
  meanBootstrapCi,
  meanCi,
  pairedProportionDifferenceCi,
  proportionDifferenceCi,
  seededRandom,
  wilsonCi,
} from "../../lib/stats/mod.ts";

/** One method × scenario: how often its interval held the truth. */
export interface CoverageRow {
  /** The interval method (as stored in `ci_method`, or the old method it replaced). */
  method: string;
  scenario: string;
  n: number;
  truth: number;
  /** Samples drawn (simulated), or 0 when the coverage is exact (enumerated). */
  replicates: number;
  /** Share of intervals holding the truth (nominal 0.95). */
  coverage: number;
  /** Monte Carlo standard error of `coverage` (0 when exact). */
  se: number;
  mean_width: number;
  /** Share of intervals that leave the metric's range. */
  outside_range: number;
  /** Share of intervals that do not contain their own estimate. */
  missed_estimate: number;
}

/** Replicates and resamples of the simulated studies. */
export interface CoverageOptions {
  /** Samples drawn per scenario. @default 400 */
  replicates?: number;
  /** Bootstrap resamples per interval (the summaries use 2000). @default 2000 */
  resamples?: number;
  /** Seed of the draws (each interval's bootstrap seed is the replicate index). @default 1 */
  seed?: number;
}

type Interval = { estimate: number | null; ci95: [number, number] | null };

class Tally {
  hits = 0;
  width = 0;
  outside = 0;
  missed = 0;
  weight = 0;
  constructor(readonly range: [number, number]) {}
  add(truth: number, iv: Interval, weight = 1): void {
    this.weight += weight;
    if (!iv.ci95 || iv.estimate === null) return;
    const [lo, hi] = iv.ci95;
    if (lo <= truth + 1e-12 && truth <= hi + 1e-12) this.hits += weight;
    this.width += weight * (hi - lo);
    if (lo < this.range[0] - 1e-12 || hi > this.range[1] + 1e-12) this.outside += weight;
    if (iv.estimate < lo - 1e-12 || iv.estimate > hi + 1e-12) this.missed += weight;
  }
  row(method: string, scenario: string, n: number, truth: number, replicates: number) {
    const coverage = this.hits / this.weight;
    return {
      method,
      scenario,
      n,
      truth,
      replicates,
      coverage,
      se: replicates ? Math.sqrt(coverage * (1 - coverage) / replicates) : 0,
      mean_width: this.width / this.weight,
      outside_range: this.outside / this.weight,
      missed_estimate: this.missed / this.weight,
    };
  }
}

function normal(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000). */
function gamma(random: () => number, shape: number): number {
  const z = normal(random);
  if (shape < 1) return gamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = z();
      v = 1 + c * x;
    } while (v <= 0);
    v = v ** 3;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function beta(random: () => number, a: number, b: number): number {
  const x = gamma(random, a);
  return x / (x + gamma(random, b));
}

/** A distribution with a known mean. */
export interface KnownDistribution {
  name: string;
  mean: number;
  draw: (random: () => number) => number;
}

/** Positive, right-skewed times (ms) as TTFT and E2E latencies are. */
export const TIME_DISTRIBUTIONS: readonly KnownDistribution[] = [
  lognormal(200, 0.25),
  lognormal(200, 0.5),
  lognormal(200, 1),
  {
    name: "mixture: 90 % ≈200 ms, 10 % ≈600 ms",
    mean: 0.9 * 200 + 0.1 * 600,
    draw: (random) =>
      (random() < 0.1 ? 600 : 200) * Math.exp(0.1 * normal(random)()) /
      Math.exp(0.005),
  },
];

function lognormal(median: number, sigma: number): KnownDistribution {
  return {
    name: `lognormal σ=${sigma}`,
    mean: median * Math.exp(sigma * sigma / 2),
    draw: (random) => median * Math.exp(sigma * normal(random)()),
  };
}

/** Scores in [0, 1] as ROUGE, embedding cosine and check shares are. */
export const BOUNDED_DISTRIBUTIONS: readonly KnownDistribution[] = [
  { name: "ROUGE-like Beta(2, 6)", mean: 0.25, draw: (r) => beta(r, 2, 6) },
  {
    name: "40 % zeros, else Beta(3, 3)",
    mean: 0.6 * 0.5,
    draw: (r) => (r() < 0.4 ? 0 : beta(r, 3, 3)),
  },
  {
    name: "share of 4 checks, each passed w.p. 0.9",
    mean: 0.9,
    draw: (r) => {
      let k = 0;
      for (let i = 0; i < 4; i++) if (r() < 0.9) k++;
      return k / 4;
    },
  },
];

/** Mean intervals (the summaries' BCa bootstrap and the t interval it replaced) on known means. */
export function meanCoverage(
  distributions: readonly KnownDistribution[],
  sizes: readonly number[],
  range: [number, number],
  options: CoverageOptions = {},
): CoverageRow[] {
  const replicates = options.replicates ?? 400;
  const rows: CoverageRow[] = [];
  for (const d of distributions) {
    for (const n of sizes) {
      const random = seededRandom(options.seed ?? 1);
      const bca = new Tally(range);
      const t = new Tally(range);
      for (let rep = 0; rep < replicates; rep++) {
        const xs = Array.from({ length: n }, () => d.draw(random));
        const b = meanBootstrapCi(xs, { seed: rep, resamples: options.resamples, range });
        bca.add(d.mean, { estimate: b.mean, ci95: b.ci95 });
        const m = meanCi(xs);
        t.add(d.mean, { estimate: m.mean, ci95: m.ci95 });
      }
      rows.push(bca.row("bca_bootstrap", d.name, n, d.mean, replicates));
      rows.push(t.row("t (old)", d.name, n, d.mean, replicates));
    }
  }
  return rows;
}

function binomialPmf(n: number): (k: number, p: number) => number {
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial[i] = logFactorial[i - 1] + Math.log(i);
  return (k, p) => {
    if (p === 0) return k === 0 ? 1 : 0;
    if (p === 1) return k === n ? 1 : 0;
    return Math.exp(
      logFactorial[n] - logFactorial[k] - logFactorial[n - k] + k * Math.log(p) +
        (n - k) * Math.log(1 - p),
    );
  };
}

/** Exact coverage of the Wilson interval: every outcome 0..n weighted by its probability. */
export function wilsonCoverage(
  proportions: readonly number[],
  sizes: readonly number[],
): CoverageRow[] {
  const rows: CoverageRow[] = [];
  for (const p of proportions) {
    for (const n of sizes) {
      const pmf = binomialPmf(n);
      const tally = new Tally([0, 1]);
      for (let k = 0; k <= n; k++) {
        const w = wilsonCi(k, n);
        tally.add(p, { estimate: w.value, ci95: w.ci95 }, pmf(k, p));
      }
      rows.push(tally.row("wilson", `p = ${p}`, n, p, 0));
    }
  }
  return rows;
}

/** Two runs' outcomes on the same samples: P(right) of each and P(both right). */
export interface PairedTruth {
  name: string;
  pA: number;
  pB: number;
  /** P(right in both runs); must lie in [max(0, pA + pB − 1), min(pA, pB)]. */
  both: number;
}

/** Paired accuracy comparisons: a small improvement, none, and a large one. */
export const PAIRED_TRUTHS: readonly PairedTruth[] = [
  { name: "0.70 → 0.75, strongly paired", pA: 0.7, pB: 0.75, both: 0.65 },
  { name: "0.80 → 0.80 (no change)", pA: 0.8, pB: 0.8, both: 0.75 },
  { name: "0.50 → 0.65, weakly paired", pA: 0.5, pB: 0.65, both: 0.4 },
];

/**
 * Exact coverage of the paired difference interval (Tango) and, for comparison, of Newcombe's
 * unpaired interval the rounds used before, over every (A only, B only) outcome of n samples.
 * Also the share McNemar's test calls significant (its size when pA = pB).
 */
export function pairedCoverage(
  truths: readonly PairedTruth[],
  sizes: readonly number[],
): (CoverageRow & { significant: number })[] {
  const rows: (CoverageRow & { significant: number })[] = [];
  for (const t of truths) {
    const pa = t.pA - t.both;
    const pb = t.pB - t.both;
    const truth = t.pB - t.pA;
    for (const n of sizes) {
      const logFactorial = [0];
      for (let i = 1; i <= n; i++) logFactorial[i] = logFactorial[i - 1] + Math.log(i);
      const tango = new Tally([-1, 1]);
      const newcombe = new Tally([-1, 1]);
      let significant = 0;
      let unpairedSignificant = 0;
      for (let x = 0; x <= n; x++) {
        for (let y = 0; x + y <= n; y++) {
          const rest = n - x - y;
          const weight = Math.exp(
            logFactorial[n] - logFactorial[x] - logFactorial[y] - logFactorial[rest] +
              (x ? x * Math.log(pb) : 0) + (y ? y * Math.log(pa) : 0) +
              (rest ? rest * Math.log(1 - pa - pb) : 0),
          );
          if (weight < 1e-15) continue;
          // Tango's interval depends on the discordant counts and n only.
          const d = pairedProportionDifferenceCi({ both: 0, a_only: y, b_only: x, neither: rest });
          tango.add(truth, { estimate: d.value, ci95: d.ci95 }, weight);
          if (d.significant) significant += weight;
          // The unpaired interval also depends on how the concordant samples split.
          const split = binomialPmf(rest);
          const pBoth = t.both / (1 - pa - pb);
          for (let both = 0; both <= rest; both++) {
            const w = weight * split(both, pBoth);
            if (w < 1e-15) continue;
            const u = proportionDifferenceCi(
              { successes: both + y, n },
              { successes: both + x, n },
            );
            newcombe.add(truth, { estimate: u.value, ci95: u.ci95 }, w);
            if (u.significant) unpairedSignificant += w;
          }
        }
      }
      const total = tango.weight;
      rows.push({
        ...tango.row("tango_score + McNemar", t.name, n, truth, 0),
        significant: significant / total,
      });
      rows.push({
        ...newcombe.row("newcombe, unpaired (old)", t.name, n, truth, 0),
        significant: unpairedSignificant / newcombe.weight,
      });
    }
  }
  return rows;
}

/** A classifier on a stratified sample: per-class counts and the row P(prediction | reference). */
export interface ConfusionTruth {
  name: string;
  /** Samples per class (the eval sampler stratifies by label). */
  perClass: readonly number[];
  /** rows[c][j]: P(prediction j | reference c); column k (one past the last class) is invalid. */
  rows: readonly (readonly number[])[];
}

/**
 * A confusion where class c is right with probability accuracy[c], else one of the next three
 * classes (evenly), with `invalid` of all answers unmappable.
 */
export function ringConfusion(
  name: string,
  perClass: readonly number[],
  accuracy: readonly number[],
  invalid: number,
): ConfusionTruth {
  const k = perClass.length;
  const rows = perClass.map((_, c) => {
    const row = new Array<number>(k + 1).fill(0);
    row[c] = accuracy[c] * (1 - invalid);
    const others = [1, 2, 3].map((s) => (c + s) % k).filter((o) => o !== c);
    const unique = [...new Set(others)];
    for (const o of unique) row[o] += (1 - accuracy[c]) * (1 - invalid) / unique.length;
    row[k] = invalid;
    return row;
  });
  return { name, perClass, rows };
}

/** Macro-F1 scenarios: Financial PhraseBank-like (3 classes) and Banking77-like (77 classes). */
export function macroF1Truths(): ConfusionTruth[] {
  const spread = (k: number, lo: number, hi: number) =>
    Array.from({ length: k }, (_, i) => lo + (hi - lo) * i / (k - 1));
  return [
    ringConfusion("3 classes, imbalanced 60/28/12", [60, 28, 12], [0.85, 0.6, 0.5], 0.05),
    ringConfusion("3 classes, balanced", [33, 33, 33], [0.8, 0.6, 0.7], 0.05),
    ringConfusion("10 classes × 5", new Array(10).fill(5), spread(10, 0.4, 0.85), 0.1),
    ringConfusion("77 classes × 3", new Array(77).fill(3), spread(77, 0.3, 0.9), 0.1),
    ringConfusion("77 classes × 10", new Array(77).fill(10), spread(77, 0.3, 0.9), 0.1),
    ringConfusion("perfect, 77 classes × 2", new Array(77).fill(2), new Array(77).fill(1), 0),
  ];
}

/**
 * The true macro-F1 of a confusion on its stratified design: per-class F1 from the expected
 * counts (TP = n_c·P(c|c), FP = Σ_{i≠c} n_i·P(c|i), FN = n_c − TP), averaged over the classes.
 */
export function trueMacroF1(truth: ConfusionTruth): number {
  const k = truth.perClass.length;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const tp = truth.perClass[c] * truth.rows[c][c];
    let predicted = 0;
    for (let i = 0; i < k; i++) predicted += truth.perClass[i] * truth.rows[i][c];
    sum += 2 * tp / (truth.perClass[c] + predicted);
  }
  return sum / k;
}

function drawSample(truth: ConfusionTruth, random: () => number) {
  const k = truth.perClass.length;
  const labels = Array.from({ length: k }, (_, i) => `c${i}`);
  const refs: string[] = [];
  const codes: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let m = 0; m < truth.perClass[c]; m++) {
      refs.push(labels[c]);
      let u = random();
      let j = 0;
      for (; j < k; j++) {
        u -= truth.rows[c][j];
        if (u < 0) break;
      }
      codes.push(j);
    }
  }
  return { labels, refs, codes, preds: codes.map((j) => (j < k ? labels[j] : null)) };
}

/**
 * Macro-F1 interval (BCa over the labels present in each resample) on stratified samples of known
 * confusions; beside it the old interval (percentile bootstrap over the whole label set).
 */
export function macroF1Coverage(
  truths: readonly ConfusionTruth[],
  options: CoverageOptions = {},
): CoverageRow[] {
  const replicates = options.replicates ?? 400;
  const rows: CoverageRow[] = [];
  for (const truth of truths) {
    const value = trueMacroF1(truth);
    const random = seededRandom(options.seed ?? 1);
    const bca = new Tally([0, 1]);
    const old = new Tally([0, 1]);
    const n = truth.perClass.reduce((a, b) => a + b, 0);
    for (let rep = 0; rep < replicates; rep++) {
      const s = drawSample(truth, random);
      const ci = macroF1Ci(s.refs, s.preds, {
        labels: s.labels,
        seed: rep,
        resamples: options.resamples,
      });
      bca.add(value, ci);
      old.add(value, oldMacroF1Interval(s.codes, truth, rep, options.resamples ?? 2000));
    }
    rows.push(bca.row("bca_bootstrap", truth.name, n, value, replicates));
    rows.push(old.row("percentile, label set (old)", truth.name, n, value, replicates));
  }
  return rows;
}

/**
 * The interval macro-F1 had before: percentile bootstrap over the whole label set (a resample
 * that misses a class scores it 0), quantiles reported as they came, with the estimate over the
 * whole label set. Re-implemented here on label codes so the comparison costs little.
 */
function oldMacroF1Interval(
  codes: readonly number[],
  truth: ConfusionTruth,
  seed: number,
  resamples: number,
): { estimate: number; ci95: [number, number] } {
  const k = truth.perClass.length;
  const refs: number[] = [];
  truth.perClass.forEach((count, c) => {
    for (let m = 0; m < count; m++) refs.push(c);
  });
  const n = refs.length;
  const macro = (indices: ArrayLike<number>) => {
    const tp = new Float64Array(k);
    const support = new Float64Array(k);
    const predicted = new Float64Array(k);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      support[refs[i]]++;
      if (codes[i] < k) {
        predicted[codes[i]]++;
        if (codes[i] === refs[i]) tp[refs[i]]++;
      }
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      sum += support[c] + predicted[c] === 0 ? 0 : 2 * tp[c] / (support[c] + predicted[c]);
    }
    return sum / k;
  };
  const random = seededRandom(seed);
  const results = new Float64Array(resamples);
  const indices = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    results[r] = macro(indices);
  }
  results.sort();
  const at = (p: number) => {
    const h = (resamples - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, resamples - 1);
    return results[lo] + (h - lo) * (results[hi] - results[lo]);
  };
  return { estimate: macro(Array.from({ length: n }, (_, i) => i)), ci95: [at(0.025), at(0.975)] };
}

/** Two classifiers on the same stratified samples: B copies A's answer w.p. `shared`. */
export interface PairedConfusionTruth {
  name: string;
  a: ConfusionTruth;
  b: ConfusionTruth;
  shared: number;
}

/** Paired macro-F1 scenarios: a better model B that often agrees with A. */
export function pairedMacroF1Truths(): PairedConfusionTruth[] {
  const three = [50, 30, 20];
  const ten = new Array(10).fill(20);
  return [
    {
      name: "3 classes 50/30/20, B better",
      a: ringConfusion("A", three, [0.8, 0.6, 0.5], 0.05),
      b: ringConfusion("B", three, [0.85, 0.75, 0.7], 0.02),
      shared: 0.6,
    },
    {
      name: "10 classes × 20, same model",
      a: ringConfusion("A", ten, new Array(10).fill(0.7), 0.05),
      b: ringConfusion("B", ten, new Array(10).fill(0.7), 0.05),
      shared: 0.5,
    },
  ];
}

/** Paired bootstrap interval of macroF1(B) − macroF1(A) on the same samples. */
export function pairedMacroF1Coverage(
  truths: readonly PairedConfusionTruth[],
  options: CoverageOptions = {},
): CoverageRow[] {
  const replicates = options.replicates ?? 400;
  const rows: CoverageRow[] = [];
  for (const t of truths) {
    // B's marginal rows: A's answer w.p. shared, else its own.
    const bRows = t.a.rows.map((row, c) =>
      row.map((p, j) => t.shared * p + (1 - t.shared) * t.b.rows[c][j])
    );
    const truth = trueMacroF1({ ...t.b, rows: bRows }) - trueMacroF1(t.a);
    const random = seededRandom(options.seed ?? 1);
    const tally = new Tally([-1, 1]);
    const n = t.a.perClass.reduce((a, b) => a + b, 0);
    for (let rep = 0; rep < replicates; rep++) {
      const s = drawSample(t.a, random);
      const own = drawSample(t.b, random);
      const predsB = s.preds.map((p, i) => (random() < t.shared ? p : own.preds[i]));
      const d = macroF1DifferenceCi(s.refs, s.preds, predsB, {
        labels: s.labels,
        seed: rep,
        resamples: options.resamples,
      });
      tally.add(truth, { estimate: d.value, ci95: d.ci95 });
    }
    rows.push(tally.row("paired_bca_bootstrap", t.name, n, truth, replicates));
  }
  return rows;
}
