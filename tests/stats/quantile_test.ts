import assert from "node:assert/strict";
import { median, p90, quantile } from "../../lib/stats/mod.ts";

Deno.test("quantile() interpolates linearly between order statistics (type 7)", () => {
  // Sorted [1, 2, 3, 4], n − 1 = 3:
  // p = 0.9  → h = 2.7  → 3 + 0.7·(4 − 3) = 3.7
  // p = 0.25 → h = 0.75 → 1 + 0.75·(2 − 1) = 1.75
  assert.ok(Math.abs(quantile([4, 1, 3, 2], 0.9) - 3.7) < 1e-12);
  assert.equal(quantile([4, 1, 3, 2], 0.25), 1.75);
  assert.equal(quantile([4, 1, 3, 2], 0), 1);
  assert.equal(quantile([4, 1, 3, 2], 1), 4);
});

Deno.test("quantile() handles ties and negative values", () => {
  // Sorted [1, 5, 5, 5]: median h = 1.5 → 5 + 0.5·(5 − 5) = 5
  assert.equal(quantile([5, 1, 5, 5], 0.5), 5);
  // Sorted [−3, −1, 2]: p = 0.75 → h = 1.5 → −1 + 0.5·(2 − (−1)) = 0.5
  assert.equal(quantile([2, -3, -1], 0.75), 0.5);
});

Deno.test("quantile() sorts numerically, not as strings", () => {
  // A string sort would order [10, 100, 9] and give a median of 100.
  assert.equal(median([10, 9, 100]), 10);
});

Deno.test("quantile() leaves its input unchanged", () => {
  const values = [3, 1, 2];
  quantile(values, 0.5);
  assert.deepEqual(values, [3, 1, 2]);
});

Deno.test("median() averages the two middle values for even n and returns the value for n=1", () => {
  assert.equal(median([1, 2, 3, 4]), 2.5);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([42]), 42);
});

Deno.test("p90() of 1..10 is 9.1, as numpy.percentile gives", () => {
  // h = 9·0.9 = 8.1 → x[8] + 0.1·(x[9] − x[8]) = 9 + 0.1 = 9.1
  assert.ok(Math.abs(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) - 9.1) < 1e-12);
  assert.equal(p90([7]), 7);
});

Deno.test("quantile(), median() and p90() reject an empty array", () => {
  assert.throws(() => quantile([], 0.5), {
    name: "RangeError",
    message: "quantile() needs at least one value: current length is 0",
  });
  assert.throws(() => median([]), {
    name: "RangeError",
    message: "median() needs at least one value: current length is 0",
  });
  assert.throws(() => p90([]), {
    name: "RangeError",
    message: "p90() needs at least one value: current length is 0",
  });
});

Deno.test("quantile() rejects non-finite values naming the index, and p outside [0, 1]", () => {
  assert.throws(() => quantile([1, 2, NaN], 0.5), {
    name: "RangeError",
    message: "quantile() needs finite numbers: values[2] is NaN",
  });
  assert.throws(() => median([Infinity]), {
    name: "RangeError",
    message: "median() needs finite numbers: values[0] is Infinity",
  });
  assert.throws(() => quantile([1], 1.5), {
    name: "RangeError",
    message: "quantile() needs p between 0 and 1: current value is 1.5",
  });
});
