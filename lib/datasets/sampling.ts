import { mulberry32, shuffleInPlace } from "./_rng.ts";

/** Options for {@linkcode seededSample}. */
export interface SeededSampleOptions {
  /** PRNG seed (safe integer; mulberry32 uses its low 32 bits). @default 42 */
  seed?: number;
}

/** Options for {@linkcode stratifiedSample}. */
export interface StratifiedSampleOptions<T> extends SeededSampleOptions {
  /** The stratum of a sample. @default the sample's string `label` field */
  key?: (sample: T) => string;
}

/**
 * Compare ids so that digit runs compare as numbers (`HumanEval/2` < `HumanEval/10`) and the rest
 * by UTF-16 code unit; independent of locale.
 */
export function compareSampleIds(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (digits) {
      const nx = x.replace(/^0+(?=\d)/, "");
      const ny = y.replace(/^0+(?=\d)/, "");
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function checkArgs(samples: readonly { id: string }[], n: number, seed: number): void {
  if (!Number.isInteger(n) || n < 0 || n > samples.length) {
    throw new RangeError(
      `Cannot sample: n must be an integer from 0 to ${samples.length}: current value is ${n}`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot sample: seed must be a safe integer: current value is ${seed}`);
  }
  const ids = new Set<string>();
  for (const { id } of samples) {
    if (ids.has(id)) throw new TypeError(`Cannot sample: duplicate sample id '${id}'`);
    ids.add(id);
  }
}

function byId<T extends { id: string }>(samples: readonly T[]): T[] {
  return [...samples].sort((a, b) => compareSampleIds(a.id, b.id));
}

/**
 * A simple random sample of `n` samples without replacement, returned sorted by id. The result
 * depends only on the seed and the set of samples, not on their input order.
 *
 * @example
 * ```ts
 * import { seededSample } from "./sampling.ts";
 * const items = [{ id: "a" }, { id: "b" }, { id: "c" }];
 * if (seededSample(items, 2, { seed: 1 }).length !== 2) throw new Error();
 * ```
 */
export function seededSample<T extends { id: string }>(
  samples: readonly T[],
  n: number,
  options: SeededSampleOptions = {},
): T[] {
  const seed = options.seed ?? 42;
  checkArgs(samples, n, seed);
  return byId(shuffleInPlace(byId(samples), mulberry32(seed)).slice(0, n));
}

/**
 * A stratified random sample of `n` samples, returned sorted by id. Each stratum gets its
 * proportional share `n * size / total`, rounded by largest remainder (the floors first, then one
 * more for the strata with the largest remainders; ties broken by a seeded order of the strata);
 * within a stratum, samples are drawn by a seeded shuffle. Deterministic for a seed and the set of
 * samples, whatever their input order.
 *
 * @example
 * ```ts
 * import { stratifiedSample } from "./sampling.ts";
 * const items = ["x", "x", "x", "y"].map((label, i) => ({ id: `s${i}`, label }));
 * // x: 2 * 3/4 = 1.5, y: 2 * 1/4 = 0.5 -> floors 1 + 0, the tie on .5 goes to one of them.
 * if (stratifiedSample(items, 2, { seed: 7 }).length !== 2) throw new Error();
 * ```
 */
export function stratifiedSample<T extends { id: string }>(
  samples: readonly T[],
  n: number,
  options: StratifiedSampleOptions<T> = {},
): T[] {
  const seed = options.seed ?? 42;
  checkArgs(samples, n, seed);
  const key = options.key ?? ((sample: T) => {
    const label = (sample as { label?: unknown }).label;
    if (typeof label !== "string") {
      throw new TypeError(
        `Cannot stratify: sample '${sample.id}' has no string 'label'; pass options.key`,
      );
    }
    return label;
  });
  const strata = new Map<string, T[]>();
  for (const sample of byId(samples)) {
    const k = key(sample);
    const group = strata.get(k);
    if (group) group.push(sample);
    else strata.set(k, [sample]);
  }
  const keys = [...strata.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const random = mulberry32(seed);
  const tieRank = new Map(shuffleInPlace([...keys], random).map((k, i) => [k, i]));

  const total = samples.length;
  const quota = new Map<string, number>();
  const remainder = new Map<string, number>();
  let allocated = 0;
  for (const k of keys) {
    const share = n * strata.get(k)!.length; // exact integer; the quota is share / total
    quota.set(k, Math.floor(share / total));
    remainder.set(k, share % total);
    allocated += quota.get(k)!;
  }
  const byRemainder = [...keys].sort((a, b) =>
    remainder.get(b)! - remainder.get(a)! || tieRank.get(a)! - tieRank.get(b)!
  );
  for (const k of byRemainder.slice(0, n - allocated)) quota.set(k, quota.get(k)! + 1);

  const picked: T[] = [];
  for (const k of keys) {
    picked.push(...shuffleInPlace([...strata.get(k)!], random).slice(0, quota.get(k)!));
  }
  return byId(picked);
}
