/**
 * Heat and power during a run, per request window. macOS: `pmset -g therm` (CPU speed limit,
 * thermal and performance warning levels), `pmset -g batt` (power source) and `pmset -g` (Low
 * Power Mode) polled through the run, and, when `powermetrics` can run (this process is root, or
 * `sudo -n` works), CPU, GPU and ANE power sampled continuously, so each window gets its joules.
 * Linux: RAPL package energy from `/sys/class/powercap` where readable. Elsewhere, or when a
 * source cannot be read, the window says "not available" and why.
 * @module
 */
import { type CommandRunner, commandRunner, stdoutOf } from "./_io.ts";
import { parsePmsetBatt, parsePmsetSettings } from "./_macos.ts";
import {
  parsePmsetTherm,
  parsePowermetrics,
  type PowermetricsSample,
  PRESSURE_LEVELS,
  samplePowerMw,
} from "./_thermal.ts";
import { raplEnergy, type RaplZone, readRapl, type TimedPower, windowEnergy } from "./_energy.ts";
import type { PowerSource } from "./_schema.ts";

/** Energy of one request window (`joules_per_token` is the caller's: it knows the tokens). */
export interface WindowEnergyReading {
  source: "powermetrics" | "rapl";
  joules: number;
  domains: Record<string, number>;
  coverage: number;
  mean_watts: number;
}

/** Heat and power state over one window. */
export interface WindowThermal {
  cpu_speed_limit: number | null;
  thermal_warning_level: number | null;
  performance_warning_level: number | null;
  pressure_level: string | null;
  power_source: PowerSource | null;
  low_power_mode: boolean | null;
  observations: number;
}

/** What a window measured. */
export interface WindowPower {
  energy: WindowEnergyReading | null;
  /** Why `energy` is null. */
  energy_note: string | null;
  thermal: WindowThermal | null;
  /** Throttled (speed limit < 100, a warning, pressure above Nominal) or Low Power Mode. */
  throttled: boolean | null;
}

/** A running monitor. */
export interface PowerMonitor {
  /** What is measured and how, or why not (for the manifest and the CLI). */
  readonly status: { energy: string; thermal: string };
  /** Start a window now; `close()` ends it and returns what it saw. */
  openWindow(): { close(): Promise<WindowPower> };
  stop(): Promise<void>;
}

/** A running `powermetrics` (or a test's stand-in): its stdout as text, and a way to stop it. */
export interface PowermetricsProcess {
  stdout: ReadableStream<string>;
  /** Exit code once it ended. */
  status: Promise<number>;
  kill(): void;
}

/** Options for {@linkcode startPowerMonitor}. */
export interface PowerMonitorOptions {
  /** @default Deno.build.os */
  platform?: string;
  /** Runs pmset and `sudo -n true`. @default a runner with a 5 s timeout */
  run?: CommandRunner;
  /** @default "/sys/class/powercap" */
  powercapRoot?: string;
  /** Monotonic clock, ms. @default performance.now */
  now?: () => number;
  /** How often pmset is polled. @default 2000 */
  thermalIntervalMs?: number;
  /** powermetrics sample interval. @default 100 */
  powerIntervalMs?: number;
  /** Try powermetrics at all. @default true */
  powermetrics?: boolean;
  /** This process runs as root. @default Deno.uid() === 0 */
  isRoot?: boolean;
  /** Starts powermetrics with these arguments (prefixed with `sudo -n` when not root). */
  spawnPowermetrics?: (command: string, args: string[]) => PowermetricsProcess;
}

const NOT_MEASURED = (why: string) => `not available: ${why}`;

/** Is this state throttled? Null when nothing was observed. */
export function isThrottled(t: WindowThermal | null): boolean | null {
  if (!t || t.observations === 0) return null;
  const pressure = t.pressure_level === null
    ? null
    : PRESSURE_LEVELS.indexOf(t.pressure_level as typeof PRESSURE_LEVELS[number]);
  const known = [
    t.cpu_speed_limit,
    t.thermal_warning_level,
    t.performance_warning_level,
    t.pressure_level,
    t.low_power_mode,
  ].some((v) => v !== null);
  if (!known) return null;
  return (t.cpu_speed_limit !== null && t.cpu_speed_limit < 100) ||
    (t.thermal_warning_level ?? 0) > 0 || (t.performance_warning_level ?? 0) > 0 ||
    (pressure !== null && pressure !== 0) || t.low_power_mode === true;
}

/** One pmset poll. */
interface Snapshot {
  at: number;
  cpu_speed_limit: number | null;
  thermal_warning_level: number | null;
  performance_warning_level: number | null;
  power_source: PowerSource | null;
  low_power_mode: boolean | null;
}

function spawnPowermetricsProcess(command: string, args: string[]): PowermetricsProcess {
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  return {
    stdout: child.stdout.pipeThrough(new TextDecoderStream()),
    status: child.status.then((s) => s.code),
    kill: () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    },
  };
}

/** Sampler sets tried in order (older macOS lacks `ane_power` or `thermal`). */
const SAMPLER_SETS = [
  "cpu_power,gpu_power,ane_power,thermal",
  "cpu_power,gpu_power,thermal",
  "cpu_power",
];
/**
 * powermetrics runs in pieces of this length (`-n`), restarted one after the other: a run killed
 * with SIGKILL (which `sudo` cannot pass on) leaves it running at most this long.
 */
const PIECE_MS = 60_000;

/**
 * Start monitoring. Never throws for an unreadable source: its status and every window say why
 * it is not measured.
 */
export async function startPowerMonitor(options: PowerMonitorOptions = {}): Promise<PowerMonitor> {
  const platform = options.platform ?? Deno.build.os;
  const now = options.now ?? (() => performance.now());
  if (platform === "darwin") return await startMacos(options, now);
  if (platform === "linux") return await startLinux(options, now);
  const why = `no energy or thermal interface is read on ${platform}`;
  return {
    status: { energy: NOT_MEASURED(why), thermal: NOT_MEASURED(why) },
    openWindow: () => ({
      close: () =>
        Promise.resolve({
          energy: null,
          energy_note: NOT_MEASURED(why),
          thermal: null,
          throttled: null,
        }),
    }),
    stop: () => Promise.resolve(),
  };
}

async function startLinux(options: PowerMonitorOptions, now: () => number): Promise<PowerMonitor> {
  const root = options.powercapRoot ?? "/sys/class/powercap";
  const first = await readRapl(root);
  const thermal = NOT_MEASURED("thermal state is read on macOS only");
  if (!first.ok) {
    const note = NOT_MEASURED(first.reason);
    return {
      status: { energy: note, thermal },
      openWindow: () => ({
        close: () =>
          Promise.resolve({ energy: null, energy_note: note, thermal: null, throttled: null }),
      }),
      stop: () => Promise.resolve(),
    };
  }
  return {
    status: {
      energy: `RAPL ${first.zones.map((z) => `${z.id} (${z.name})`).join(", ")} under ${root}`,
      thermal,
    },
    openWindow() {
      const t0 = now();
      const before = readRapl(root);
      return {
        async close(): Promise<WindowPower> {
          const after = await readRapl(root);
          const t1 = now();
          const b = await before;
          if (!b.ok || !after.ok) {
            const reason = !b.ok ? b.reason : (after as { reason: string }).reason;
            return {
              energy: null,
              energy_note: NOT_MEASURED(reason),
              thermal: null,
              throttled: null,
            };
          }
          const e = raplEnergy(b.zones as RaplZone[], after.zones);
          const seconds = Math.max(1e-9, (t1 - t0) / 1000);
          return {
            energy: {
              source: "rapl",
              joules: e.joules,
              domains: e.domains,
              coverage: 1,
              mean_watts: e.joules / seconds,
            },
            energy_note: null,
            thermal: null,
            throttled: null,
          };
        },
      };
    },
    stop: () => Promise.resolve(),
  };
}

async function startMacos(options: PowerMonitorOptions, now: () => number): Promise<PowerMonitor> {
  const run = options.run ?? commandRunner(5000);
  const snapshots: Snapshot[] = [];
  let battery: { source: PowerSource; low: boolean | null } | null = null;
  let polls = 0;
  const poll = async () => {
    const at = now();
    const therm = await stdoutOf(run, "pmset", ["-g", "therm"]);
    if (polls++ % 5 === 0) {
      const [batt, settings] = await Promise.all([
        stdoutOf(run, "pmset", ["-g", "batt"]),
        stdoutOf(run, "pmset", ["-g"]),
      ]);
      battery = {
        source: batt === null ? "unknown" : parsePmsetBatt(batt).source,
        low: settings === null ? null : parsePmsetSettings(settings).low_power_mode,
      };
    }
    if (therm === null) return;
    const t = parsePmsetTherm(therm);
    snapshots.push({
      at,
      cpu_speed_limit: t.cpu_power?.cpu_speed_limit ?? null,
      thermal_warning_level: t.thermal_warning_level,
      performance_warning_level: t.performance_warning_level,
      power_source: battery?.source ?? null,
      low_power_mode: battery?.low ?? null,
    });
    if (snapshots.length > 5000) snapshots.splice(0, 1000);
  };
  await poll();
  const thermalStatus = snapshots.length
    ? "pmset -g therm, batt and settings every " + (options.thermalIntervalMs ?? 2000) + " ms"
    : NOT_MEASURED("pmset -g therm gave no output");
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll).catch(() => {});
  }, options.thermalIntervalMs ?? 2000);

  // powermetrics: root, or sudo without a password.
  const power = await startPowermetrics(options, run, now, () => stopped);
  return {
    status: { energy: power.status, thermal: thermalStatus },
    openWindow() {
      const t0 = now();
      const lastBefore = snapshots.length;
      return {
        async close(): Promise<WindowPower> {
          const t1 = now();
          await power.coverUntil(t1);
          const seen = snapshots.slice(Math.max(0, lastBefore - 1)).filter((s) => s.at <= t1);
          const pressures = power.samplesIn(t0, t1).map((s) => s.pressure).filter((
            p,
          ): p is string => p !== null);
          const worst = pressures.length
            ? pressures.reduce((a, b) =>
              PRESSURE_LEVELS.indexOf(b as never) > PRESSURE_LEVELS.indexOf(a as never) ? b : a
            )
            : null;
          const thermal: WindowThermal | null = seen.length || worst
            ? {
              cpu_speed_limit: min(seen.map((s) => s.cpu_speed_limit)),
              thermal_warning_level: max(seen.map((s) => s.thermal_warning_level)),
              performance_warning_level: max(seen.map((s) => s.performance_warning_level)),
              pressure_level: worst,
              power_source: seen.some((s) => s.power_source === "battery")
                ? "battery"
                : seen.find((s) => s.power_source !== null)?.power_source ?? null,
              low_power_mode: seen.some((s) => s.low_power_mode === true)
                ? true
                : seen.some((s) => s.low_power_mode === false)
                ? false
                : null,
              observations: seen.length + pressures.length,
            }
            : null;
          const energy = power.energy(t0, t1);
          return {
            energy: energy.reading,
            energy_note: energy.note,
            thermal,
            throttled: isThrottled(thermal),
          };
        },
      };
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await polling;
      await power.stop();
    },
  };
}

const min = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.min(...v) : null;
};
const max = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};

interface PowerSamples {
  status: string;
  /** Wait (bounded) until a sample covers `t`. */
  coverUntil(t: number): Promise<void>;
  samplesIn(t0: number, t1: number): { pressure: string | null }[];
  energy(t0: number, t1: number): { reading: WindowEnergyReading | null; note: string | null };
  stop(): Promise<void>;
}

function toTimed(s: PowermetricsSample, end: number): TimedPower | null {
  const total = samplePowerMw(s);
  if (total === null || s.elapsed_ms === null) return null;
  const watts: Record<string, number> = {};
  if (s.cpu_mw !== null) watts.cpu = s.cpu_mw / 1000;
  if (s.gpu_mw !== null) watts.gpu = s.gpu_mw / 1000;
  if (s.ane_mw !== null) watts.ane = s.ane_mw / 1000;
  if (s.package_mw !== null && s.cpu_mw === null) watts.package = s.package_mw / 1000;
  return { end_ms: end, duration_ms: s.elapsed_ms, watts, total_watts: total / 1000 };
}

async function startPowermetrics(
  options: PowerMonitorOptions,
  run: CommandRunner,
  now: () => number,
  isStopped: () => boolean,
): Promise<PowerSamples> {
  const unavailable = (why: string): PowerSamples => ({
    status: NOT_MEASURED(why),
    coverUntil: () => Promise.resolve(),
    samplesIn: () => [],
    energy: () => ({ reading: null, note: NOT_MEASURED(why) }),
    stop: () => Promise.resolve(),
  });
  if (options.powermetrics === false) return unavailable("powermetrics was not asked for");
  const isRoot = options.isRoot ?? (Deno.uid?.() === 0);
  let prefix: string[] = [];
  if (!isRoot) {
    const sudo = await run("sudo", ["-n", "true"]).catch(() => ({ code: 1, stdout: "" }));
    if (sudo.code !== 0) {
      return unavailable(
        "powermetrics needs root and `sudo -n` asks for a password: run the tool with sudo, or allow /usr/bin/powermetrics without a password in sudoers",
      );
    }
    prefix = ["sudo", "-n"];
  }
  const spawn = options.spawnPowermetrics ?? spawnPowermetricsProcess;
  const interval = options.powerIntervalMs ?? 100;
  const timed: { power: TimedPower | null; pressure: string | null; end: number }[] = [];
  let lastEnd = -Infinity;
  let current: { header: string; lines: string[]; at: number } | null = null;
  let proc: PowermetricsProcess | null = null;
  let failure: string | null = null;
  let samplers = 0;
  /** Parse a sample's lines and keep it (replacing an earlier parse of the same sample). */
  const record = (c: { header: string; lines: string[]; at: number }) => {
    const [s] = parsePowermetrics([c.header, ...c.lines].join("\n"));
    if (!s) return;
    const i = timed.findIndex((x) => x.end === c.at);
    const entry = { power: toTimed(s, c.at), pressure: s.pressure_level, end: c.at };
    if (i >= 0) timed[i] = entry;
    else timed.push(entry);
    if (timed.length > 20_000) timed.splice(0, 5000);
  };
  const finish = () => {
    if (!current) return;
    record(current);
    current = null;
  };
  const consume = async (p: PowermetricsProcess) => {
    let pending = "";
    for await (const text of p.stdout) {
      const at = now();
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("*** Sampled system activity")) {
          finish();
          current = { header: line, lines: [], at };
          lastEnd = at;
        } else if (current) current.lines.push(line);
      }
    }
    finish();
  };
  const loop = async () => {
    while (!isStopped()) {
      const command = prefix.length ? prefix[0] : "powermetrics";
      const args = [
        ...prefix.slice(1),
        ...(prefix.length ? ["powermetrics"] : []),
        "--samplers",
        SAMPLER_SETS[samplers],
        "-i",
        String(interval),
        "-n",
        String(Math.ceil(PIECE_MS / interval)),
      ];
      const before = timed.length;
      try {
        proc = spawn(command, args);
      } catch (error) {
        failure = `powermetrics could not be started (${(error as Error).message})`;
        return;
      }
      const started = now();
      await consume(proc);
      const code = await proc.status;
      if (isStopped()) return;
      if (timed.length === before && now() - started < 5000) {
        // It printed nothing and ended at once: try an older sampler set, then give up.
        if (++samplers >= SAMPLER_SETS.length) {
          failure = `powermetrics exited with ${code} and printed no sample`;
          return;
        }
      }
    }
  };
  const running = loop();
  return {
    get status() {
      return failure
        ? NOT_MEASURED(failure)
        : `powermetrics --samplers ${SAMPLER_SETS[samplers]} -i ${interval}${
          prefix.length ? " (sudo -n)" : " (root)"
        }`;
    },
    async coverUntil(t: number) {
      const deadline = now() + Math.max(3 * interval, 300);
      while (lastEnd < t && now() < deadline && !failure) {
        await new Promise((r) => setTimeout(r, Math.min(20, interval / 2)));
      }
      // The covering sample's lines follow its header within the same write.
      await new Promise((r) => setTimeout(r, 5));
      finishIfStale();
    },
    samplesIn(t0: number, t1: number) {
      return timed.filter((s) => s.end >= t0 && s.end - (s.power?.duration_ms ?? 0) <= t1);
    },
    energy(t0: number, t1: number) {
      if (failure) return { reading: null, note: NOT_MEASURED(failure) };
      const powered = timed.map((s) => s.power).filter((p): p is TimedPower => p !== null);
      if (!(t1 > t0)) return { reading: null, note: "not measured: empty window" };
      const e = windowEnergy(powered, t0, t1);
      if (e.coverage === 0) {
        return { reading: null, note: "not measured: no powermetrics sample covers the request" };
      }
      return {
        reading: { source: "powermetrics", ...e },
        note: null,
      };
    },
    async stop() {
      (proc as PowermetricsProcess | null)?.kill();
      await running.catch(() => {});
    },
  };
  function finishIfStale() {
    // The sample whose header came last is parsed with the lines it has (the next header would
    // otherwise close it only an interval later); a later parse of it replaces this one.
    const c = current as { header: string; lines: string[]; at: number } | null;
    if (c) record(c);
  }
}
