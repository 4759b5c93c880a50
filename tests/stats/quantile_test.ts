import assert from "node:assert/strict";
import { median, p90, quantile, seededRandom } from "../../lib/stats/mod.ts";

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

Deno.test("quantile() of many values (selected, not sorted) equals the sorted order statistics exactly", () => {
  const random = seededRandom(7);
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const byHand = (xs: number[], p: number) => {
    const s = sorted(xs);
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, s.length - 1);
    return h === lo ? s[lo] : s[lo] + (h - lo) * (s[hi] - s[lo]);
  };
  const shapes: Record<string, (i: number) => number> = {
    uniform: () => random() * 1000,
    ties: () => Math.floor(random() * 5),
    ascending: (i) => i,
    descending: (i) => -i,
    constant: () => 42,
    spikes: (i) => (i % 97 === 0 ? 1e6 : random()),
    // The smallest values last: the selection leaves the next order statistic anywhere.
    small_last: (i) => (i >= 4090 ? 4096 - i : 1000 + random()),
  };
  for (const [name, draw] of Object.entries(shapes)) {
    for (const n of [4096, 5001, 20_000]) {
      const xs = Array.from({ length: n }, (_, i) => draw(i));
      const copy = [...xs];
      const levels = [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1, 0.5 / (n - 1), 2.5 / (n - 1)];
      for (let r = 0; r < 10; r++) levels.push(random());
      for (const p of levels) {
        assert.equal(quantile(xs, p), byHand(xs, p), `${name} n=${n} p=${p}`);
      }
      assert.equal(median(xs), byHand(xs, 0.5));
      assert.equal(p90(xs), byHand(xs, 0.9));
      assert.deepEqual(xs, copy, "input unchanged");
    }
  }
});
