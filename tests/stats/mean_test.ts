import assert from "node:assert/strict";
import { meanCi } from "../../lib/stats/mod.ts";

function assertClose(actual: number | undefined, expected: number, tolerance: number) {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `expected ${expected}, got ${actual}`,
  );
}

Deno.test("meanCi() gives mean ± t·sd/√n with df = n − 1", () => {
  // [10, 12, 14]: mean 12, sd = √((4 + 0 + 4)/2) = 2,
  // half-width = t(0.975, 2)·2/√3 = 4.30265273·1.15470054 = 4.96827542.
  const result = meanCi([10, 12, 14]);
  assert.equal(result.n, 3);
  assert.equal(result.mean, 12);
  assert.equal(result.sd, 2);
  assert.equal(result.confidence, 0.95);
  assertClose(result.ci95?.[0], 12 - 4.96827542, 1e-7);
  assertClose(result.ci95?.[1], 12 + 4.96827542, 1e-7);
});

Deno.test("meanCi() uses 19 degrees of freedom for 20 values", () => {
  // 1..20: mean 10.5, variance n(n+1)/12 = 35, sd = 5.91607978;
  // half-width = 2.09302405·5.91607978/√20 = 2.09302405·1.32287566 = 2.76881056.
  const values = Array.from({ length: 20 }, (_, i) => i + 1);
  const result = meanCi(values);
  assertClose(result.mean ?? undefined, 10.5, 1e-12);
  assertClose(result.sd ?? undefined, 5.91607978, 1e-8);
  assertClose(result.ci95?.[0], 10.5 - 2.76881056, 1e-6);
  assertClose(result.ci95?.[1], 10.5 + 2.76881056, 1e-6);
});

Deno.test("meanCi() honours another confidence level", () => {
  // 90 %: t(0.95, 2) = 2.91998558; half-width = 2.91998558·2/√3 = 3.37170892.
  const result = meanCi([10, 12, 14], { confidence: 0.9 });
  assert.equal(result.confidence, 0.9);
  assertClose(result.ci95?.[0], 12 - 3.37170892, 1e-7);
  assertClose(result.ci95?.[1], 12 + 3.37170892, 1e-7);
});

Deno.test("meanCi() returns null mean and interval for n=0", () => {
  assert.deepEqual(meanCi([]), { n: 0, mean: null, sd: null, ci95: null, confidence: 0.95 });
});

Deno.test("meanCi() returns the mean but no sd or interval for n=1", () => {
  assert.deepEqual(meanCi([7.5]), { n: 1, mean: 7.5, sd: null, ci95: null, confidence: 0.95 });
});

Deno.test("meanCi() gives a zero-width interval for identical values", () => {
  const result = meanCi([3, 3, 3, 3]);
  assert.equal(result.sd, 0);
  assert.deepEqual(result.ci95, [3, 3]);
});

Deno.test("meanCi() keeps precision for large offsets", () => {
  // Values 1e9 + {1, 2, 3}: mean 1e9 + 2 exactly, sd 1.
  const result = meanCi([1e9 + 1, 1e9 + 2, 1e9 + 3]);
  assert.equal(result.mean, 1e9 + 2);
  assert.equal(result.sd, 1);
});

Deno.test("meanCi() rejects non-finite values naming index and value", () => {
  assert.throws(() => meanCi([1, NaN, 3]), {
    name: "RangeError",
    message: "meanCi() needs finite numbers: values[1] is NaN",
  });
  assert.throws(() => meanCi([1, 2, -Infinity]), {
    name: "RangeError",
    message: "meanCi() needs finite numbers: values[2] is -Infinity",
  });
  assert.throws(() => meanCi([1, "2" as unknown as number]), {
    name: "RangeError",
    message: 'meanCi() needs finite numbers: values[1] is "2"',
  });
});

Deno.test("meanCi() rejects a confidence level outside (0, 1)", () => {
  assert.throws(() => meanCi([1, 2], { confidence: 95 }), {
    name: "RangeError",
    message: "meanCi() needs a confidence level strictly between 0 and 1: current value is 95",
  });
});
