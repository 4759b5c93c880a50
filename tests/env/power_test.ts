import assert from "node:assert/strict";
import { type Environment, powerWarnings } from "../../lib/env/mod.ts";

const power = (p: Environment["power"]) => ({ power: p });

Deno.test("powerWarnings() is empty on AC power with Low Power Mode off", () => {
  assert.deepEqual(
    powerWarnings(power({ source: "ac", low_power_mode: false, battery_percent: 100 })),
    [],
  );
});

Deno.test("powerWarnings() is empty when the power state is unknown", () => {
  assert.deepEqual(
    powerWarnings(power({ source: "unknown", low_power_mode: null, battery_percent: null })),
    [],
  );
});

Deno.test("powerWarnings() warns on battery power and names the charge", () => {
  const warnings = powerWarnings(
    power({ source: "battery", low_power_mode: false, battery_percent: 85 }),
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Running on battery power \(85% charged\): .*plugged-in/);
  const noPercent = powerWarnings(
    power({ source: "battery", low_power_mode: null, battery_percent: null }),
  );
  assert.match(noPercent[0], /^Running on battery power: /);
});

Deno.test("powerWarnings() warns on Low Power Mode, also when plugged in", () => {
  const warnings = powerWarnings(
    power({ source: "ac", low_power_mode: true, battery_percent: 90 }),
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Low Power Mode is on: .*lowpowermode 0/);
});

Deno.test("powerWarnings() gives both warnings on battery with Low Power Mode", () => {
  const warnings = powerWarnings(
    power({ source: "battery", low_power_mode: true, battery_percent: 20 }),
  );
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /battery power \(20% charged\)/);
  assert.match(warnings[1], /Low Power Mode/);
});
