import assert from "node:assert/strict";
import { captureEnvironment, powerWarnings } from "../../lib/env/mod.ts";
import { failingReader, fakeRunner } from "./_fakes.ts";
import { readFixture } from "../helpers/mod.ts";

Deno.test("captureEnvironment() reads a simulated Mac through an injected runner", async () => {
  const profiler = await readFixture("system_profiler_SPHardwareDataType_M1Pro_mondoo1380.txt");
  // Real machdep.cpu lines (early M1, brand "Apple processor") plus hw.* lines constructed in
  // sysctl's `name: value` format for a 16 GB, 10-core machine.
  const sysctl = (await readFixture("sysctl_machdep_cpu_M1_bigsur_archspec38.txt")) +
    "hw.memsize: 17179869184\nhw.physicalcpu: 10\nhw.logicalcpu: 10\n";
  // pmset and sw_vers inputs are documentation-shaped, not captures (see macos_test.ts).
  const { run, calls } = fakeRunner({
    "sysctl machdep.cpu.brand_string hw.memsize hw.physicalcpu hw.logicalcpu": sysctl,
    "system_profiler SPHardwareDataType": profiler,
    "sw_vers": "ProductName:\t\tmacOS\nProductVersion:\t\t14.2.1\nBuildVersion:\t\t23C71\n",
    "uname -r": "23.2.0\n",
    "uname -m": "arm64\n",
    "pmset -g batt":
      "Now drawing from 'Battery Power'\n -InternalBattery-0 (id=4391011)\t85%; discharging; 4:12 remaining present: true\n",
    "pmset -g": "System-wide power settings:\nCurrently in use:\n lowpowermode         1\n",
    "git -C /Users/r/bench rev-parse --verify --quiet HEAD":
      "0123456789abcdef0123456789abcdef01234567\n",
    "git -C /Users/r/bench status --porcelain": "",
  });
  const env = await captureEnvironment({
    platform: "darwin",
    run,
    readTextFile: failingReader,
    readDir: failingReader,
    cwd: "/Users/r/bench",
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  assert.deepEqual(env.os, {
    platform: "darwin",
    release: "23.2.0",
    version: "macOS 14.2.1 (23C71)",
    arch: "arm64",
  });
  assert.deepEqual(env.cpu, {
    model: "Apple processor",
    cores_physical: 10,
    cores_logical: 10,
    cores_performance: 8,
    cores_efficiency: 2,
    chip: "Apple M1 Pro",
  });
  assert.deepEqual(env.machine, { model_name: "MacBook Pro", model_identifier: "MacBookPro18,3" });
  assert.equal(env.memory_bytes, 17179869184);
  assert.deepEqual(env.git, { commit: "0123456789abcdef0123456789abcdef01234567", dirty: false });
  assert.deepEqual(env.power, { source: "battery", low_power_mode: true, battery_percent: 85 });
  assert.equal(env.captured_at, "2026-01-02T03:04:05.000Z");
  assert.equal(powerWarnings(env).length, 2);
  assert.ok(!calls.some((line) => line.startsWith("lms")), "lms asked without a base URL");
});

Deno.test("captureEnvironment() keeps sysctl values when one name is unknown", async () => {
  // sysctl exits 1 after printing the names it knows (an Intel Mac lacks none of these, but an
  // unknown name must not cost the others).
  const { run } = fakeRunner({
    "sysctl machdep.cpu.brand_string hw.memsize hw.physicalcpu hw.logicalcpu": {
      code: 1,
      stdout: "machdep.cpu.brand_string: Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz\n" +
        "hw.memsize: 34359738368\n",
    },
  });
  const env = await captureEnvironment({ platform: "darwin", run });
  assert.equal(env.cpu.model, "Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz");
  assert.equal(env.memory_bytes, 34359738368);
  assert.equal(env.cpu.cores_logical, null);
  assert.equal(env.cpu.chip, null);
});
