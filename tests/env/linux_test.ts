import assert from "node:assert/strict";
import {
  parseCpuinfo,
  parseMeminfoTotal,
  parseOsRelease,
  powerFromSupplies,
  type PowerSupply,
} from "../../lib/env/mod.ts";

// Two processor blocks in the layout of this project's Debian test VM's /proc/cpuinfo,
// shortened to the fields the parser reads.
const X86_CPUINFO = [
  "processor\t: 0",
  "vendor_id\t: GenuineIntel",
  "model name\t: Intel(R) Xeon(R) Processor",
  "physical id\t: 0",
  "siblings\t: 2",
  "core id\t\t: 0",
  "cpu cores\t: 2",
  "",
  "processor\t: 1",
  "vendor_id\t: GenuineIntel",
  "model name\t: Intel(R) Xeon(R) Processor",
  "physical id\t: 0",
  "siblings\t: 2",
  "core id\t\t: 1",
  "cpu cores\t: 2",
  "",
].join("\n");

Deno.test("parseCpuinfo() counts processors and distinct physical cores", () => {
  assert.deepEqual(parseCpuinfo(X86_CPUINFO), {
    model: "Intel(R) Xeon(R) Processor",
    cores_logical: 2,
    cores_physical: 2,
  });
  // Hyper-threading: two processors on the same core id count as one physical core.
  const smt = X86_CPUINFO.replace("core id\t\t: 1", "core id\t\t: 0");
  assert.equal(parseCpuinfo(smt).cores_physical, 1);
});

Deno.test("parseCpuinfo() falls back to Model on ARM boards without core ids", () => {
  // Constructed in the ARM layout: per-processor blocks without "model name" or "core id",
  // then a board block with Hardware and Model.
  const arm = [
    "processor\t: 0",
    "BogoMIPS\t: 108.00",
    "",
    "processor\t: 1",
    "BogoMIPS\t: 108.00",
    "",
    "Hardware\t: BCM2835",
    "Model\t\t: Raspberry Pi 4 Model B Rev 1.4",
    "",
  ].join("\n");
  assert.deepEqual(parseCpuinfo(arm), {
    model: "Raspberry Pi 4 Model B Rev 1.4",
    cores_logical: 2,
    cores_physical: null,
  });
  assert.deepEqual(parseCpuinfo(""), { model: null, cores_logical: null, cores_physical: null });
});

Deno.test("parseMeminfoTotal() converts MemTotal kB to bytes", () => {
  assert.equal(
    parseMeminfoTotal("MemTotal:       24684092 kB\nMemFree:        24447592 kB\n"),
    24684092 * 1024,
  );
  assert.equal(parseMeminfoTotal("MemFree: 1 kB\n"), null);
});

Deno.test("parseOsRelease() unquotes values", () => {
  const text = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n' +
    'VERSION_ID="12"\nID=debian\n# comment\nBAD LINE\n';
  assert.deepEqual(parseOsRelease(text), {
    PRETTY_NAME: "Debian GNU/Linux 12 (bookworm)",
    NAME: "Debian GNU/Linux",
    VERSION_ID: "12",
    ID: "debian",
  });
});

const supply = (fields: Partial<PowerSupply>): PowerSupply => ({
  type: null,
  online: null,
  status: null,
  capacity: null,
  ...fields,
});

Deno.test("powerFromSupplies() tells AC, battery and unknown apart", () => {
  assert.deepEqual(powerFromSupplies([]), { source: "unknown", battery_percent: null });
  assert.deepEqual(
    powerFromSupplies([
      supply({ type: "Mains", online: "1" }),
      supply({ type: "Battery", status: "Charging", capacity: "80" }),
    ]),
    { source: "ac", battery_percent: 80 },
  );
  assert.deepEqual(
    powerFromSupplies([
      supply({ type: "Mains", online: "0" }),
      supply({ type: "Battery", status: "Discharging", capacity: "55" }),
    ]),
    { source: "battery", battery_percent: 55 },
  );
  assert.deepEqual(powerFromSupplies([supply({ type: "Mains", online: "1" })]), {
    source: "ac",
    battery_percent: null,
  });
  assert.deepEqual(
    powerFromSupplies([supply({ type: "Battery", status: "Full", capacity: "100" })]),
    {
      source: "ac",
      battery_percent: 100,
    },
  );
  assert.deepEqual(
    powerFromSupplies([
      supply({ type: "USB", online: "0" }),
      supply({ type: "Battery", status: "Unknown", capacity: "12" }),
    ]),
    { source: "battery", battery_percent: 12 },
  );
});
