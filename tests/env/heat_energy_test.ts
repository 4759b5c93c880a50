/**
 * Heat and power: the `pmset -g therm` / `thermlog` and `powermetrics` parsers on real published
 * outputs (tests/fixtures/SOURCE.md §8), the energy arithmetic (window overlap, RAPL wrap-around),
 * RAPL read from a powercap folder laid out as the kernel does, and the monitor end to end with
 * scripted pmset and powermetrics streams standing in for macOS (this test machine is Linux).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  isThrottled,
  parsePmsetTherm,
  parsePowermetrics,
  type PowermetricsProcess,
  raplDelta,
  raplEnergy,
  readRapl,
  samplePowerMw,
  startPowerMonitor,
  windowEnergy,
} from "../../lib/env/mod.ts";
import { readFixture } from "../helpers/mod.ts";

Deno.test("parsePmsetTherm() reads Apple Silicon's three notes as no warning and no CPU power status", async () => {
  const t = parsePmsetTherm(await readFixture("pmset_g_therm_M1Pro_no_status_stats749.txt"));
  assert.deepEqual(
    [t.thermal_warning_level, t.performance_warning_level, t.cpu_power, t.blocks.length],
    [0, 0, null, 0],
  );
});

Deno.test("parsePmsetTherm() reads an Intel Mac's tab-aligned CPU Power notify block", async () => {
  const t = parsePmsetTherm(
    await readFixture("pmset_g_therm_intel_cpu_power_notify_nodeexporter2031.txt"),
  );
  assert.deepEqual(t.cpu_power, {
    at: "2021-05-02 11:51:57 +0800",
    cpu_scheduler_limit: 100,
    cpu_available_cpus: 12,
    cpu_speed_limit: 100,
  });
  assert.equal(t.thermal_warning_level, 0);
});

Deno.test("parsePmsetTherm() reads thermlog blocks, nominal and throttled (speed limit 28 %)", async () => {
  const nominal = parsePmsetTherm(
    await readFixture("pmset_g_thermlog_intel_nominal_menumeters158.txt"),
  );
  const hot = parsePmsetTherm(
    await readFixture("pmset_g_thermlog_intel_throttled_menumeters158.txt"),
  );
  assert.equal(nominal.cpu_power?.cpu_speed_limit, 100);
  assert.deepEqual(
    [
      hot.cpu_power?.cpu_scheduler_limit,
      hot.cpu_power?.cpu_available_cpus,
      hot.cpu_power?.cpu_speed_limit,
    ],
    [40, 8, 28],
  );
  // thermlog prints no warning-level notes: unknown, not zero.
  assert.equal(hot.thermal_warning_level, null);
  const both = parsePmsetTherm(
    (await readFixture("pmset_g_thermlog_intel_nominal_menumeters158.txt")) +
      (await readFixture("pmset_g_thermlog_intel_throttled_menumeters158.txt")),
  );
  assert.deepEqual(both.blocks.map((b) => b.cpu_speed_limit), [100, 28], "oldest first, last wins");
  assert.equal(parsePmsetTherm("Thermal warning level set to 2.\n").thermal_warning_level, 2);
});

Deno.test("parsePowermetrics() takes the first rail lines of an Apple Silicon sample (the GPU section repeats GPU Power)", async () => {
  const samples = parsePowermetrics(
    await readFixture("powermetrics_cpu_power_M2Air_applegpuinfo6_TRUNCATED.txt"),
  );
  // The fragment's power block belongs to a sample whose header is not in the file; the trailing
  // header starts a sample with no power line, which is dropped.
  assert.equal(samples.length, 1);
  const [s] = samples;
  assert.deepEqual(
    [s.date, s.elapsed_ms, s.cpu_mw, s.gpu_mw, s.ane_mw, s.combined_mw],
    [null, null, 85, 4, 0, 89],
  );
  assert.equal(samplePowerMw(s), 89, "the combined line wins over the sum");
});

Deno.test("parsePowermetrics() reads an Intel Mac's package power in watts, with its sample header", async () => {
  const [s] = parsePowermetrics(
    await readFixture("powermetrics_cpu_power_intel_MacBookPro15_1_joularjx54_TRUNCATED.txt"),
  );
  assert.equal(s.date, "Mon Jan 15 18:21:32 2024 +0100");
  assert.equal(s.elapsed_ms, 1002.38);
  assert.equal(s.package_mw, 8530);
  assert.equal(s.cpu_mw, null);
  assert.equal(samplePowerMw(s), 8530);
});

Deno.test("parsePowermetrics() reads the thermal sampler's pressure level per sample", async () => {
  const samples = parsePowermetrics(
    await readFixture("powermetrics_thermal_M2Air_stanislas_blog.txt"),
  );
  assert.deepEqual(
    samples.map((s) => [s.elapsed_ms, s.pressure_level]),
    [[5001.07, "Nominal"], [5001.25, "Nominal"]],
  );
  assert.equal(samplePowerMw(samples[0]), null);
});

Deno.test("windowEnergy() integrates each sample's power over its overlap with the window", () => {
  // Samples of 100 ms: 2 W, 4 W, 6 W over [0,100], [100,200], [200,300]; window [50, 250].
  const samples = [2, 4, 6].map((w, i) => ({
    end_ms: (i + 1) * 100,
    duration_ms: 100,
    watts: { cpu: w * 0.75, gpu: w * 0.25 },
    total_watts: w,
  }));
  const e = windowEnergy(samples, 50, 250);
  // 2 W × 0.05 s + 4 W × 0.1 s + 6 W × 0.05 s = 0.1 + 0.4 + 0.3 = 0.8 J.
  assert.ok(Math.abs(e.joules - 0.8) < 1e-12, String(e.joules));
  assert.ok(Math.abs(e.domains.cpu - 0.6) < 1e-12 && Math.abs(e.domains.gpu - 0.2) < 1e-12);
  assert.equal(e.coverage, 1);
  assert.ok(Math.abs(e.mean_watts - 4) < 1e-12);
  // Past the last sample only part of the window is covered.
  const late = windowEnergy(samples, 250, 450);
  assert.ok(Math.abs(late.joules - 0.3) < 1e-12);
  assert.equal(late.coverage, 0.25);
  assert.throws(() => windowEnergy(samples, 5, 5), RangeError);
});

Deno.test("RAPL energy counts the wrap-around once and adds packages, not their sub-domains", () => {
  assert.equal(raplDelta(100, 350, 1000), 250);
  assert.equal(raplDelta(900, 100, 1000), 200);
  const z = (id: string, name: string, energy_uj: number) => ({
    id,
    name,
    top: id.split(":").length === 2,
    energy_uj,
    max_energy_range_uj: 262143328850,
  });
  const e = raplEnergy(
    [z("intel-rapl:0", "package-0", 1_000_000), z("intel-rapl:0:0", "core", 500_000)],
    [z("intel-rapl:0", "package-0", 3_500_000), z("intel-rapl:0:0", "core", 2_000_000)],
  );
  assert.equal(e.joules, 2.5, "the package only: the core is part of it");
  assert.deepEqual(e.domains, { "package-0": 2.5, core: 1.5 });
});

async function powercap(zones: Record<string, { name: string; energy: number; max?: number }>) {
  const root = await Deno.makeTempDir({ prefix: "powercap-" });
  for (const [id, z] of Object.entries(zones)) {
    const dir = join(root, id);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "name"), `${z.name}\n`);
    await Deno.writeTextFile(join(dir, "energy_uj"), `${z.energy}\n`);
    await Deno.writeTextFile(join(dir, "max_energy_range_uj"), `${z.max ?? 262143328850}\n`);
  }
  return root;
}

Deno.test("readRapl() reads the zones of a powercap folder, and says why when there is none", async () => {
  const root = await powercap({
    "intel-rapl:0": { name: "package-0", energy: 123456 },
    "intel-rapl:0:0": { name: "core", energy: 4567 },
  });
  const r = await readRapl(root);
  assert.ok(r.ok);
  assert.deepEqual(r.zones.map((z) => [z.id, z.name, z.top, z.energy_uj]), [
    ["intel-rapl:0", "package-0", true, 123456],
    ["intel-rapl:0:0", "core", false, 4567],
  ]);
  const missing = await readRapl(join(root, "nope"));
  assert.ok(!missing.ok);
  assert.match(missing.reason, /does not exist \(this kernel or virtual machine exposes no RAPL/);
  const empty = await readRapl(await Deno.makeTempDir());
  assert.ok(!empty.ok && /has no RAPL zone/.test(empty.reason));
});

Deno.test("on Linux the monitor gives each window its RAPL joules, or 'not available' with the reason", async () => {
  const root = await powercap({ "intel-rapl:0": { name: "package-0", energy: 1_000_000 } });
  const monitor = await startPowerMonitor({ platform: "linux", powercapRoot: root });
  assert.match(monitor.status.energy, /RAPL intel-rapl:0 \(package-0\)/);
  const w = monitor.openWindow();
  await new Promise((r) => setTimeout(r, 5));
  await Deno.writeTextFile(join(root, "intel-rapl:0", "energy_uj"), "1750000\n");
  const got = await w.close();
  assert.equal(got.energy?.source, "rapl");
  assert.equal(got.energy?.joules, 0.75);
  assert.deepEqual([got.thermal, got.throttled], [null, null]);
  await monitor.stop();
  // This machine's own powercap (none on the test VM: the reason is recorded, nothing throws).
  const real = await startPowerMonitor({ platform: "linux" });
  const none = await real.openWindow().close();
  if (none.energy === null) assert.match(none.energy_note!, /^not available: /);
  const other = await startPowerMonitor({ platform: "windows" });
  assert.match((await other.openWindow().close()).energy_note!, /not available: .*windows/);
});

/** A scripted powermetrics: writes one 50 ms sample of `mw` every 50 ms until killed. */
function scriptedPowermetrics(mw: number[], pressure = "Nominal") {
  const calls: string[][] = [];
  const spawn = (command: string, args: string[]): PowermetricsProcess => {
    calls.push([command, ...args]);
    let timer: ReturnType<typeof setInterval> | undefined;
    let i = 0;
    let close: () => void = () => {};
    const stdout = new ReadableStream<string>({
      start(c) {
        close = () => {
          clearInterval(timer);
          try {
            c.close();
          } catch { /* closed */ }
        };
        timer = setInterval(() => {
          const w = mw[Math.min(i++, mw.length - 1)];
          c.enqueue(
            `*** Sampled system activity (Thu Jan  1 00:00:00 2026 +0000) (50.00ms elapsed) ***\n\n` +
              `CPU Power: ${w * 0.8} mW\nGPU Power: ${w * 0.2} mW\nANE Power: 0 mW\n` +
              `Combined Power (CPU + GPU + ANE): ${w} mW\n\n**** Thermal pressure ****\n\n` +
              `Current pressure level: ${pressure}\n\n`,
          );
        }, 50);
      },
    });
    let resolve: (code: number) => void = () => {};
    const status = new Promise<number>((r) => resolve = r);
    return {
      stdout,
      status,
      kill: () => {
        close();
        resolve(0);
      },
    };
  };
  return { spawn, calls };
}

/** pmset answers from the real fixtures (throttled or not). */
function scriptedPmset(therm: string) {
  return (cmd: string, args: string[]) => {
    if (cmd === "sudo") return Promise.resolve({ code: 0, stdout: "" });
    if (cmd !== "pmset") return Promise.reject(new Error(`unexpected ${cmd}`));
    const what = args.join(" ");
    const stdout = what === "-g therm"
      ? therm
      : what === "-g batt"
      ? "Now drawing from 'AC Power'\n -InternalBattery-0 (id=1)\t90%; charged; 0:00 remaining present: true\n"
      : " lowpowermode         0\n";
    return Promise.resolve({ code: 0, stdout });
  };
}

Deno.test("on macOS the monitor turns powermetrics samples into joules per window and flags a window seen throttled", async () => {
  const hot = await readFixture("pmset_g_thermlog_intel_throttled_menumeters158.txt");
  const pm = scriptedPowermetrics([2000]);
  const monitor = await startPowerMonitor({
    platform: "darwin",
    run: scriptedPmset(hot),
    isRoot: false,
    spawnPowermetrics: pm.spawn,
    powerIntervalMs: 50,
    thermalIntervalMs: 1000,
  });
  try {
    assert.match(
      monitor.status.energy,
      /powermetrics --samplers cpu_power,gpu_power,ane_power,thermal -i 50 \(sudo -n\)/,
    );
    assert.deepEqual(pm.calls[0].slice(0, 3), ["sudo", "-n", "powermetrics"]);
    await new Promise((r) => setTimeout(r, 120)); // a few samples first
    const w = monitor.openWindow();
    await new Promise((r) => setTimeout(r, 400));
    const got = await w.close();
    // 2 W for the ~0.4 s window: about 0.8 J (the window edges fall inside samples).
    assert.equal(got.energy?.source, "powermetrics");
    assert.ok(got.energy!.coverage > 0.9, `coverage ${got.energy!.coverage}`);
    assert.ok(Math.abs(got.energy!.mean_watts - 2) < 1e-9, `${got.energy!.mean_watts} W`);
    assert.ok(Math.abs(got.energy!.domains.cpu / got.energy!.joules - 0.8) < 1e-9);
    assert.equal(got.thermal?.cpu_speed_limit, 28);
    assert.equal(got.thermal?.pressure_level, "Nominal");
    assert.equal(got.thermal?.power_source, "ac");
    assert.equal(got.thermal?.low_power_mode, false);
    assert.equal(got.throttled, true, "a CPU speed limit of 28 % is throttling");
  } finally {
    await monitor.stop();
  }
});

Deno.test("on macOS without root or password-less sudo, energy is 'not available' with the reason and heat is still read", async () => {
  const cool = await readFixture("pmset_g_therm_M1Pro_no_status_stats749.txt");
  const run = (cmd: string, args: string[]) =>
    cmd === "sudo" ? Promise.resolve({ code: 1, stdout: "" }) : scriptedPmset(cool)(cmd, args);
  const monitor = await startPowerMonitor({ platform: "darwin", run, isRoot: false });
  try {
    const got = await monitor.openWindow().close();
    assert.equal(got.energy, null);
    assert.match(
      got.energy_note!,
      /^not available: powermetrics needs root and `sudo -n` asks for a password/,
    );
    assert.deepEqual(
      [got.thermal?.cpu_speed_limit, got.thermal?.thermal_warning_level, got.throttled],
      [null, 0, false],
    );
  } finally {
    await monitor.stop();
  }
});

Deno.test("isThrottled() says which states count as throttled, and null when nothing was seen", () => {
  const base = {
    cpu_speed_limit: 100,
    thermal_warning_level: 0,
    performance_warning_level: 0,
    pressure_level: "Nominal",
    power_source: "ac" as const,
    low_power_mode: false,
    observations: 3,
  };
  assert.equal(isThrottled(base), false);
  assert.equal(isThrottled({ ...base, cpu_speed_limit: 80 }), true);
  assert.equal(isThrottled({ ...base, pressure_level: "Moderate" }), true);
  assert.equal(isThrottled({ ...base, low_power_mode: true }), true);
  assert.equal(isThrottled({ ...base, observations: 0 }), null);
  assert.equal(isThrottled(null), null);
});
