import assert from "node:assert/strict";
import { normalQuantile, tQuantile } from "../../lib/stats/mod.ts";

function assertClose(actual: number, expected: number, tolerance: number, what = "") {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

Deno.test("tQuantile() matches published two-sided 95% t table values", () => {
  // t(0.975, df) from standard tables, 8-9 significant digits.
  const table: Array<[number, number]> = [
    [1, 12.7062047],
    [2, 4.30265273],
    [4, 2.77644511],
    [19, 2.09302405],
    [30, 2.04227246],
    [1000, 1.96233908],
  ];
  for (const [df, expected] of table) assertClose(tQuantile(0.975, df), expected, 1e-7, `df=${df}`);
});

Deno.test("tQuantile() matches table values at other confidence levels", () => {
  assertClose(tQuantile(0.95, 10), 1.81246112, 1e-7, "t(0.95, 10)");
  assertClose(tQuantile(0.995, 5), 4.03214298, 1e-7, "t(0.995, 5)");
  assertClose(tQuantile(0.9, 1), 3.07768354, 1e-7, "t(0.9, 1)");
});

Deno.test("tQuantile() equals the closed forms for 1 and 2 degrees of freedom", () => {
  // df = 1 is the Cauchy distribution: t = tan(π(p − ½)).
  // df = 2: t = (2p − 1) / √(2p(1 − p)).
  for (const p of [0.001, 0.01, 0.1, 0.3, 0.55, 0.8, 0.975, 0.999]) {
    const cauchy = Math.tan(Math.PI * (p - 0.5));
    const two = (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
    assertClose(tQuantile(p, 1), cauchy, 1e-9 * Math.max(1, Math.abs(cauchy)), `df=1 p=${p}`);
    assertClose(tQuantile(p, 2), two, 1e-9 * Math.max(1, Math.abs(two)), `df=2 p=${p}`);
  }
});

Deno.test("tQuantile() is antisymmetric around the median and zero at p = 0.5", () => {
  assert.equal(tQuantile(0.5, 7), 0);
  for (const df of [1, 3.5, 12, 200]) {
    assertClose(tQuantile(0.1, df), -tQuantile(0.9, df), 1e-12, `df=${df}`);
  }
});

Deno.test("tQuantile() approaches the normal quantile as degrees of freedom grow", () => {
  assert.equal(tQuantile(0.975, Infinity), normalQuantile(0.975));
  assertClose(tQuantile(0.975, 1e6), 1.959963984540054, 1e-5, "df=1e6");
  assert.ok(tQuantile(0.975, 1e6) > normalQuantile(0.975));
});

Deno.test("normalQuantile() matches known standard normal quantiles", () => {
  assertClose(normalQuantile(0.975), 1.959963984540054, 1e-12);
  assertClose(normalQuantile(0.995), 2.5758293035489004, 1e-12);
  assertClose(normalQuantile(0.9), 1.2815515655446004, 1e-12);
  // Φ(1) = 0.8413447460685429
  assertClose(normalQuantile(0.8413447460685429), 1, 1e-12);
  assertClose(normalQuantile(1e-10), -6.361340902404056, 1e-9);
});

Deno.test("tQuantile() and normalQuantile() reject probabilities outside (0, 1)", () => {
  assert.throws(() => tQuantile(1, 5), {
    name: "RangeError",
    message: "tQuantile() needs a probability strictly between 0 and 1: current value is 1",
  });
  assert.throws(() => normalQuantile(0), {
    name: "RangeError",
    message: "normalQuantile() needs a probability strictly between 0 and 1: current value is 0",
  });
  assert.throws(() => normalQuantile(NaN), { name: "RangeError", message: /current value is NaN/ });
});

Deno.test("tQuantile() rejects non-positive degrees of freedom", () => {
  assert.throws(() => tQuantile(0.975, 0), {
    name: "RangeError",
    message: "tQuantile() needs degrees of freedom > 0: current value is 0",
  });
  assert.throws(() => tQuantile(0.975, NaN), {
    name: "RangeError",
    message: "tQuantile() needs degrees of freedom > 0: current value is NaN",
  });
});
