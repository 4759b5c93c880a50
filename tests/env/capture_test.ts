import assert from "node:assert/strict";
import { captureEnvironment, EnvironmentSchema, parseCpuinfo } from "../../lib/env/mod.ts";
import { failingReader, failingRunner } from "./_fakes.ts";

Deno.test("captureEnvironment() records plausible facts about this machine", async () => {
  const env = await captureEnvironment();
  EnvironmentSchema.parse(env);
  assert.equal(env.os.platform, Deno.build.os);
  assert.ok(env.memory_bytes !== null && env.memory_bytes > 2 ** 30, `memory ${env.memory_bytes}`);
  assert.ok(env.cpu.cores_logical !== null && env.cpu.cores_logical >= 1);
  if (env.cpu.cores_physical !== null) {
    assert.ok(env.cpu.cores_physical >= 1 && env.cpu.cores_physical <= env.cpu.cores_logical);
  }
  assert.equal(env.deno, Deno.version.deno);
  assert.equal(env.v8, Deno.version.v8);
  assert.equal(env.typescript, Deno.version.typescript);
  assert.equal(env.hostname, Deno.hostname());
  assert.deepEqual(env.lmstudio, { version: null, reachable: null });
  assert.ok(Math.abs(Date.parse(env.captured_at) - Date.now()) < 60_000);
  assert.ok(env.os.arch && env.os.release);
});

Deno.test(
  "captureEnvironment() on Linux agrees with /proc and nproc read independently",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    const env = await captureEnvironment();
    const meminfo = await Deno.readTextFile("/proc/meminfo");
    const kb = Number(/^MemTotal:\s*(\d+) kB/m.exec(meminfo)?.[1]);
    assert.equal(env.memory_bytes, kb * 1024);
    const nproc = await new Deno.Command("nproc", { args: ["--all"], stdout: "piped" }).output();
    assert.equal(env.cpu.cores_logical, Number(new TextDecoder().decode(nproc.stdout).trim()));
    const cpuinfo = parseCpuinfo(await Deno.readTextFile("/proc/cpuinfo"));
    assert.equal(env.cpu.model, cpuinfo.model);
    assert.ok(env.os.version && env.os.version.length > 0);
    assert.equal(env.os.release, Deno.osRelease());
  },
);

Deno.test("captureEnvironment() turns missing commands and files into null and unknown", async () => {
  const env = await captureEnvironment({
    platform: "darwin",
    run: failingRunner,
    readTextFile: failingReader,
    readDir: failingReader,
  });
  assert.deepEqual(env.os, { platform: "darwin", release: null, version: null, arch: null });
  assert.deepEqual(env.cpu, {
    model: null,
    cores_physical: null,
    cores_logical: null,
    cores_performance: null,
    cores_efficiency: null,
    chip: null,
  });
  assert.equal(env.memory_bytes, null);
  assert.deepEqual(env.git, { commit: null, dirty: null });
  assert.deepEqual(env.power, { source: "unknown", low_power_mode: null, battery_percent: null });
  assert.equal(env.deno, Deno.version.deno);
});

Deno.test(
  "captureEnvironment() on the native platform falls back to Deno's own facts",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    const env = await captureEnvironment({
      run: failingRunner,
      readTextFile: failingReader,
      readDir: failingReader,
    });
    assert.equal(env.memory_bytes, Deno.systemMemoryInfo().total);
    assert.equal(env.os.release, Deno.osRelease());
    assert.equal(env.os.arch, Deno.build.arch);
    assert.equal(env.cpu.cores_logical, navigator.hardwareConcurrency);
    assert.equal(env.cpu.model, null);
  },
);
