import assert from "node:assert/strict";
import { wilsonCi } from "../../lib/stats/mod.ts";

function assertInterval(actual: [number, number] | null, expected: [number, number], tol: number) {
  assert.ok(actual !== null, "interval is null");
  assert.ok(
    Math.abs(actual[0] - expected[0]) <= tol && Math.abs(actual[1] - expected[1]) <= tol,
    `expected ${expected}, got ${actual}`,
  );
}

// By hand, z = 1.959964, z² = 3.841459, n = 10, so 1 + z²/n = 1.3841459 and z²/2n = 0.1920729:
// 8/10:  centre (0.8 + 0.1920729)/1.3841459 = 0.716741,
//        half 1.959964·√(0.016 + 0.0096036)/1.3841459 = 0.226578 → [0.4902, 0.9433]
// 0/10:  centre 0.1920729/1.3841459 = 0.138766, half 1.959964·√0.0096036/1.3841459 = 0.138766
//        → [0, 0.2775]
// 10/10: mirror image of 0/10 → [0.7225, 1]
Deno.test("wilsonCi() matches hand-computed intervals", () => {
  const eight = wilsonCi(8, 10);
  assert.equal(eight.value, 0.8);
  assertInterval(eight.ci95, [0.4902, 0.9433], 5e-5);
  assertInterval(wilsonCi(0, 10).ci95, [0, 0.2775], 5e-5);
  assertInterval(wilsonCi(10, 10).ci95, [0.7225, 1], 5e-5);
});

Deno.test("wilsonCi() touches exactly 0 and 1 at the boundaries", () => {
  assert.equal(wilsonCi(0, 10).ci95?.[0], 0);
  assert.equal(wilsonCi(10, 10).ci95?.[1], 1);
});

Deno.test("wilsonCi() is symmetric under swapping successes and failures", () => {
  const a = wilsonCi(3, 17).ci95!;
  const b = wilsonCi(14, 17).ci95!;
  assert.ok(Math.abs(a[0] - (1 - b[1])) < 1e-12 && Math.abs(a[1] - (1 - b[0])) < 1e-12);
});

Deno.test("wilsonCi() widens with the confidence level", () => {
  const at95 = wilsonCi(41, 50).ci95!;
  const at99 = wilsonCi(41, 50, { confidence: 0.99 }).ci95!;
  assertInterval(at95, [0.6920, 0.9023], 5e-5);
  assert.ok(at99[0] < at95[0] && at99[1] > at95[1]);
});

Deno.test("wilsonCi() returns null value and interval for n=0", () => {
  assert.deepEqual(wilsonCi(0, 0), {
    value: null,
    ci95: null,
    n: 0,
    successes: 0,
    confidence: 0.95,
    method: "wilson",
  });
});

Deno.test("wilsonCi() rejects impossible counts", () => {
  assert.throws(() => wilsonCi(11, 10), {
    name: "RangeError",
    message: "wilsonCi() needs successes <= n (10): current value is 11",
  });
  assert.throws(() => wilsonCi(2.5, 10), {
    name: "RangeError",
    message: "wilsonCi() needs 'successes' to be an integer >= 0: current value is 2.5",
  });
  assert.throws(() => wilsonCi(1, -1), {
    name: "RangeError",
    message: "wilsonCi() needs 'n' to be an integer >= 0: current value is -1",
  });
});
