/**
 * Seeded pseudo-random numbers: mulberry32 (Tommy Ettinger, 2017), a 32-bit state generator
 * with period 2^32 that passes gjrand and PractRand up to 2^32 outputs. Plenty for bootstrap
 * resampling; not for cryptography.
 * @module
 */
import { describe } from "./_validate.ts";

/**
 * A deterministic generator of uniform numbers in [0, 1): the same `seed` always yields the same
 * sequence, on every platform. `seed` must be an integer; it is reduced modulo 2^32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "./mod.ts";
 * const random = seededRandom(42);
 * assert.deepEqual([random(), random()], [0.6011037519201636, 0.44829055899754167]);
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new RangeError(
      `seededRandom() needs an integer seed: current value is ${describe(seed)}`,
    );
  }
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
