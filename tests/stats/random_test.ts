import assert from "node:assert/strict";
import { seededRandom } from "../../lib/stats/mod.ts";

Deno.test("seededRandom() reproduces the reference mulberry32 sequence", () => {
  // Expected values come from a separate Python transcription of mulberry32 with explicit
  // 32-bit masking (s += 0x6D2B79F5; t = imul(s ^ s>>15, s|1); t ^= t + imul(t ^ t>>7, t|61);
  // return (t ^ t>>14) / 2^32), run outside this project.
  const random = seededRandom(42);
  assert.deepEqual([random(), random(), random(), random()], [
    0.6011037519201636,
    0.44829055899754167,
    0.8524657934904099,
    0.6697340414393693,
  ]);
  const zero = seededRandom(0);
  assert.deepEqual([zero(), zero()], [0.26642920868471265, 0.0003297457005828619]);
});

Deno.test("seededRandom() gives the same sequence for the same seed and another for another", () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const c = seededRandom(8);
  const seqA = Array.from({ length: 50 }, a);
  assert.deepEqual(Array.from({ length: 50 }, b), seqA);
  assert.notDeepEqual(Array.from({ length: 50 }, c), seqA);
});

Deno.test("seededRandom() stays in [0, 1) and is close to uniform", () => {
  const random = seededRandom(123);
  const n = 100_000;
  let sum = 0;
  const deciles = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const value = random();
    assert.ok(value >= 0 && value < 1, `value ${value} out of [0, 1)`);
    sum += value;
    deciles[Math.floor(value * 10)]++;
  }
  // Standard error of the mean is 0.2887/√n ≈ 0.0009; allow about 5 of them.
  assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
  // Each decile expects 10 000 (sd ≈ 95); allow 5 sd.
  for (const count of deciles) assert.ok(Math.abs(count - 10_000) < 475, `decile ${count}`);
});

Deno.test("seededRandom() reduces seeds modulo 2^32 and rejects non-integers", () => {
  assert.equal(seededRandom(2 ** 32 + 5)(), seededRandom(5)());
  assert.equal(seededRandom(-1)(), seededRandom(2 ** 32 - 1)());
  assert.throws(() => seededRandom(1.5), {
    name: "RangeError",
    message: "seededRandom() needs an integer seed: current value is 1.5",
  });
});
