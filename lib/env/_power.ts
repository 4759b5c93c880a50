/** Warnings about power conditions that bias performance measurements. @module */
import type { Environment } from "./_schema.ts";

/**
 * Messages for power conditions the seed method rules out (it requires a plugged-in machine
 * with power saving off): running on battery, and Low Power Mode. Empty when neither applies,
 * including when the power state is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { powerWarnings } from "./mod.ts";
 * const warnings = powerWarnings({
 *   power: { source: "battery", low_power_mode: false, battery_percent: 85 },
 * });
 * assert.match(warnings[0], /^Running on battery power \(85% charged\)/);
 * ```
 */
export function powerWarnings(env: Pick<Environment, "power">): string[] {
  const warnings: string[] = [];
  const { source, low_power_mode, battery_percent } = env.power;
  if (source === "battery") {
    const charge = battery_percent === null ? "" : ` (${battery_percent}% charged)`;
    warnings.push(
      `Running on battery power${charge}: the benchmark method requires a plugged-in machine; ` +
        "connect the power adapter, or results will be slower and less stable.",
    );
  }
  if (low_power_mode === true) {
    warnings.push(
      "Low Power Mode is on: the benchmark method requires power saving off; turn it off " +
        "(System Settings > Battery, or `sudo pmset -a lowpowermode 0`), or the CPU and GPU run throttled.",
    );
  }
  return warnings;
}
