import assert from "node:assert/strict";
import { captureEnvironment } from "../../lib/env/mod.ts";
import { failingReader, fakeRunner } from "./_fakes.ts";

Deno.test("captureEnvironment() reads a simulated Linux laptop through injected files", async () => {
  const files: Record<string, string> = {
    "/proc/cpuinfo": "processor\t: 0\nmodel name\t: Test CPU\ncore id\t\t: 0\n\n" +
      "processor\t: 1\nmodel name\t: Test CPU\ncore id\t\t: 0\n",
    "/proc/meminfo": "MemTotal:       8000000 kB\n",
    "/usr/lib/os-release": 'PRETTY_NAME="Test OS 1"\n',
    "/proc/sys/kernel/osrelease": "6.1.0-test\n",
    "/sys/devices/virtual/dmi/id/product_name": "Laptop 13\n",
    "/sys/firmware/acpi/platform_profile": "low-power\n",
    "/sys/class/power_supply/AC/type": "Mains\n",
    "/sys/class/power_supply/AC/online": "0\n",
    "/sys/class/power_supply/BAT0/type": "Battery\n",
    "/sys/class/power_supply/BAT0/status": "Discharging\n",
    "/sys/class/power_supply/BAT0/capacity": "42\n",
  };
  const { run } = fakeRunner({ "uname -m": "x86_64\n" });
  const env = await captureEnvironment({
    platform: "linux",
    run,
    readTextFile: (path) =>
      files[path] === undefined ? failingReader(path) : Promise.resolve(files[path]),
    readDir: (path) =>
      path === "/sys/class/power_supply" ? Promise.resolve(["AC", "BAT0"]) : failingReader(path),
  });
  assert.deepEqual(env.os, {
    platform: "linux",
    release: "6.1.0-test",
    version: "Test OS 1",
    arch: "x86_64",
  });
  assert.equal(env.cpu.model, "Test CPU");
  assert.equal(env.cpu.cores_logical, 2);
  assert.equal(env.cpu.cores_physical, 1);
  assert.equal(env.memory_bytes, 8_000_000 * 1024);
  assert.deepEqual(env.machine, { model_name: "Laptop 13", model_identifier: null });
  assert.deepEqual(env.power, { source: "battery", low_power_mode: true, battery_percent: 42 });
});
