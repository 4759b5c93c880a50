import assert from "node:assert/strict";
import {
  parsePmsetBatt,
  parsePmsetSettings,
  parseSwVers,
  parseSysctl,
  parseSystemProfilerHardware,
} from "../../lib/env/mod.ts";
import { readFixture } from "../helpers/mod.ts";

Deno.test("parseSystemProfilerHardware() reads the full M1 Pro report", async () => {
  const text = await readFixture("system_profiler_SPHardwareDataType_M1Pro_mondoo1380.txt");
  assert.deepEqual(parseSystemProfilerHardware(text), {
    model_name: "MacBook Pro",
    model_identifier: "MacBookPro18,3",
    model_number: "MKGQ3LL/A",
    chip: "Apple M1 Pro",
    processor_name: null,
    cores_total: 10,
    cores_performance: 8,
    cores_efficiency: 2,
    memory_bytes: 16 * 2 ** 30,
    firmware_version: "8422.121.1",
    os_loader_version: "8422.121.1",
  });
});

Deno.test("parseSystemProfilerHardware() reads the -detailLevel mini report", async () => {
  const text = await readFixture("system_profiler_mini_SPHardwareDataType_M1Pro_cpufetch183.txt");
  assert.deepEqual(parseSystemProfilerHardware(text), {
    model_name: "MacBook Pro",
    model_identifier: "MacBookPro18,1",
    model_number: "MK183D/A",
    chip: "Apple M1 Pro",
    processor_name: null,
    cores_total: 10,
    cores_performance: 8,
    cores_efficiency: 2,
    memory_bytes: 17179869184,
    firmware_version: "10151.61.4",
    os_loader_version: "8422.141.2.700.1",
  });
});

Deno.test("parseSystemProfilerHardware() reads a column-aligned fragment without headers", async () => {
  const text = await readFixture(
    "system_profiler_SPHardwareDataType_M1Air_fragment_xcodehw142.txt",
  );
  assert.deepEqual(parseSystemProfilerHardware(text), {
    model_name: "MacBook Air",
    model_identifier: "MacBookAir10,1",
    model_number: null,
    chip: "Apple M1",
    processor_name: null,
    cores_total: 8,
    cores_performance: 4,
    cores_efficiency: 4,
    memory_bytes: 8 * 2 ** 30,
    firmware_version: "6723.81.1",
    os_loader_version: null,
  });
});

Deno.test("parseSystemProfilerHardware() leaves serial numbers and UUIDs out", async () => {
  const text = await readFixture("system_profiler_SPHardwareDataType_M1Pro_mondoo1380.txt");
  const json = JSON.stringify(parseSystemProfilerHardware(text));
  assert.ok(!json.includes("XXXXXXXXXX") && !json.includes("00000000-"), json);
});

Deno.test("parseSystemProfilerHardware() returns nulls for unrelated text", () => {
  const parsed = parseSystemProfilerHardware("no such report\n");
  assert.ok(Object.values(parsed).every((value) => value === null));
});

Deno.test("parseSysctl() reads machdep.cpu with the early M1 'Apple processor' brand", async () => {
  const text = await readFixture("sysctl_machdep_cpu_M1_bigsur_archspec38.txt");
  assert.deepEqual(parseSysctl(text), {
    "machdep.cpu.cores_per_package": "8",
    "machdep.cpu.core_count": "8",
    "machdep.cpu.logical_per_package": "8",
    "machdep.cpu.thread_count": "8",
    "machdep.cpu.brand_string": "Apple processor",
  });
});

Deno.test("parseSysctl() reads vm and kern names", async () => {
  const text = await readFixture("sysctl_vm_pressure_yosemite_superunix.txt");
  const values = parseSysctl(text);
  assert.equal(values["vm.page_free_count"], "2683717");
  assert.equal(values["kern.memorystatus_vm_pressure_level"], "1");
  assert.equal(Object.keys(values).length, 5);
});

Deno.test("parseSwVers() joins product name, version and build", () => {
  // Documentation-shaped input: sw_vers as shown on a published macOS 14.2.1 man-page copy.
  const text = "ProductName:\t\tmacOS\nProductVersion:\t\t14.2.1\nBuildVersion:\t\t23C71\n";
  assert.equal(parseSwVers(text), "macOS 14.2.1 (23C71)");
  assert.equal(parseSwVers("nothing here"), null);
});

// pmset: no captured fixture exists in tests/fixtures. The inputs below are documentation-shaped:
// they follow the line formats pmset prints (`Now drawing from '<source>'`, then
// ` -InternalBattery-0 (id=…)\t<n>%; <state>; …`, and ` <setting>  <value>` lines for -g),
// as quoted in public issues; they are not captures from a machine of ours.
Deno.test("parsePmsetBatt() reads AC power with a charging battery", () => {
  const text =
    "Now drawing from 'AC Power'\n -InternalBattery-0 (id=4391011)\t85%; charging; 1:05 remaining present: true\n";
  assert.deepEqual(parsePmsetBatt(text), {
    source: "ac",
    battery_percent: 85,
    battery_state: "charging",
  });
});

Deno.test("parsePmsetBatt() reads battery power and the older line without an id", () => {
  const text =
    "Now drawing from 'Battery Power'\n -InternalBattery-0 \t89%; discharging; 4:47 remaining present: true\n";
  assert.deepEqual(parsePmsetBatt(text), {
    source: "battery",
    battery_percent: 89,
    battery_state: "discharging",
  });
});

Deno.test("parsePmsetBatt() reads a desktop with no battery and a full or unplugged battery", () => {
  assert.deepEqual(parsePmsetBatt("Now drawing from 'AC Power'\n"), {
    source: "ac",
    battery_percent: null,
    battery_state: null,
  });
  const full =
    "Now drawing from 'AC Power'\n -InternalBattery-0 (id=4391011)\t100%; charged; 0:00 remaining present: true\n";
  assert.equal(parsePmsetBatt(full).battery_state, "charged");
  const ups = "Now drawing from 'UPS Power'\n";
  assert.equal(parsePmsetBatt(ups).source, "unknown");
  assert.equal(parsePmsetBatt("").source, "unknown");
});

Deno.test("parsePmsetSettings() reads lowpowermode 1 and 0", () => {
  const on = [
    "System-wide power settings:",
    "Currently in use:",
    " standby              1",
    " Sleep On Power Button 1",
    " hibernatefile        /var/vm/sleepimage",
    " displaysleep         10 (display sleep prevented by caffeinate)",
    " lowpowermode         1",
    "",
  ].join("\n");
  const parsed = parsePmsetSettings(on);
  assert.equal(parsed.low_power_mode, true);
  assert.deepEqual(parsed.settings, {
    standby: "1",
    "Sleep On Power Button": "1",
    hibernatefile: "/var/vm/sleepimage",
    displaysleep: "10 (display sleep prevented by caffeinate)",
    lowpowermode: "1",
  });
  assert.equal(
    parsePmsetSettings(on.replace("lowpowermode         1", "lowpowermode\t\t0")).low_power_mode,
    false,
  );
});

Deno.test("parsePmsetSettings() falls back to powermode and to null", () => {
  assert.equal(
    parsePmsetSettings("Currently in use:\n powermode            1\n").low_power_mode,
    true,
  );
  assert.equal(
    parsePmsetSettings("Currently in use:\n powermode            2\n").low_power_mode,
    false,
  );
  assert.equal(
    parsePmsetSettings("Currently in use:\n sleep                1\n").low_power_mode,
    null,
  );
});
