/**
 * Energy arithmetic: joules over a time window from power samples (each sample a mean power over
 * its own interval), and Linux RAPL counters (`/sys/class/powercap/<zone>/energy_uj`, which wrap
 * at `max_energy_range_uj`).
 * @module
 */
import { join } from "node:path";

/** A power sample placed on the monotonic clock: mean power over [end − duration, end]. */
export interface TimedPower {
  /** When the sample's interval ended (ms, the caller's monotonic clock). */
  end_ms: number;
  duration_ms: number;
  /** Watts per rail or domain (e.g. cpu, gpu, ane); `total` is what the energy counts. */
  watts: Record<string, number>;
  total_watts: number;
}

/** Energy over one window. */
export interface WindowEnergy {
  joules: number;
  /** Joules per rail or domain. */
  domains: Record<string, number>;
  /** Share of the window the samples cover (0..1). */
  coverage: number;
  /** Mean power over the covered part, watts. */
  mean_watts: number;
}

/**
 * Joules in [start, end] from power samples: Σ power × overlap of each sample's interval with the
 * window (the sample's power is taken as constant over its own interval), per rail too; coverage
 * is the covered share of the window. No overlap: zero joules, zero coverage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowEnergy } from "./_energy.ts";
 * // 2 W over [0, 100] ms and 4 W over [100, 200] ms; the window [50, 150] holds 0.05 s of each.
 * const e = windowEnergy([
 *   { end_ms: 100, duration_ms: 100, watts: { cpu: 2 }, total_watts: 2 },
 *   { end_ms: 200, duration_ms: 100, watts: { cpu: 4 }, total_watts: 4 },
 * ], 50, 150);
 * assert.equal(Math.round(e.joules * 1000) / 1000, 0.3);
 * assert.equal(e.coverage, 1);
 * ```
 */
export function windowEnergy(
  samples: readonly TimedPower[],
  start: number,
  end: number,
): WindowEnergy {
  if (!(end > start)) {
    throw new RangeError(
      `windowEnergy() needs end after start: current values are ${start} and ${end}`,
    );
  }
  let joules = 0;
  let covered = 0;
  const domains: Record<string, number> = {};
  for (const s of samples) {
    const from = Math.max(start, s.end_ms - s.duration_ms);
    const to = Math.min(end, s.end_ms);
    if (!(to > from)) continue;
    const seconds = (to - from) / 1000;
    covered += to - from;
    joules += s.total_watts * seconds;
    for (const [k, w] of Object.entries(s.watts)) domains[k] = (domains[k] ?? 0) + w * seconds;
  }
  const coverage = Math.min(1, covered / (end - start));
  return {
    joules,
    domains,
    coverage,
    mean_watts: covered > 0 ? joules / (covered / 1000) : 0,
  };
}

/** One RAPL zone (a package or a sub-domain). */
export interface RaplZone {
  /** Folder name, e.g. `intel-rapl:0` or `intel-rapl:0:1`. */
  id: string;
  /** Its `name` file: `package-0`, `core`, `uncore`, `dram`, `psys`. */
  name: string;
  /** Top-level zone (a package or psys), whose energies add up without double counting. */
  top: boolean;
  energy_uj: number;
  max_energy_range_uj: number;
}

/** RAPL counters read once, or why they cannot be. */
export type RaplReading = { ok: true; zones: RaplZone[] } | { ok: false; reason: string };

/** The RAPL counter delta, with one wrap-around at `max` when the counter went down. */
export function raplDelta(before: number, after: number, max: number): number {
  return after >= before ? after - before : after + max - before;
}

const ZONE = /^[a-z]+-rapl:\d+(?::\d+)?$/;

/**
 * Read every RAPL zone under `root` (default `/sys/class/powercap`; zones nested one level, as
 * the kernel lays them out). Never throws: a missing folder, no zone, or an unreadable counter
 * (root-only since Linux 5.10) is a reason.
 */
export async function readRapl(root = "/sys/class/powercap"): Promise<RaplReading> {
  let names: string[];
  try {
    names = [];
    for await (const e of Deno.readDir(root)) names.push(e.name);
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof Deno.errors.NotFound
        ? `${root} does not exist (this kernel or virtual machine exposes no RAPL powercap interface)`
        : `${root} cannot be listed (${(error as Error).message})`,
    };
  }
  const ids = names.filter((n) => ZONE.test(n)).sort();
  if (ids.length === 0) {
    return { ok: false, reason: `${root} has no RAPL zone (no *-rapl:N folder)` };
  }
  const zones: RaplZone[] = [];
  for (const id of ids) {
    const dir = join(root, id);
    try {
      const [name, energy, max] = await Promise.all([
        Deno.readTextFile(join(dir, "name")),
        Deno.readTextFile(join(dir, "energy_uj")),
        Deno.readTextFile(join(dir, "max_energy_range_uj")),
      ]);
      zones.push({
        id,
        name: name.trim(),
        top: id.split(":").length === 2,
        energy_uj: Number(energy.trim()),
        max_energy_range_uj: Number(max.trim()),
      });
    } catch (error) {
      if (error instanceof Deno.errors.PermissionDenied) {
        return {
          ok: false,
          reason:
            `${dir}/energy_uj is readable by root only (Linux 5.10 and later restrict RAPL for CVE-2020-8694): run as root or grant read access`,
        };
      }
      if (error instanceof Deno.errors.NotFound) continue; // a zone without a counter
      return { ok: false, reason: `${dir} cannot be read (${(error as Error).message})` };
    }
  }
  if (!zones.some((z) => z.top)) {
    return { ok: false, reason: `${root} has no readable top-level RAPL zone` };
  }
  return { ok: true, zones };
}

/**
 * Joules between two readings: per zone name (`package-0`, `core`, `dram`, ...), and in total
 * over the package zones (`package-N`; `psys`, the whole platform, only where no package zone
 * exists), so sub-domains and the platform zone are never added twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { raplEnergy } from "./_energy.ts";
 * const zone = (energy_uj: number) =>
 *   ({ id: "intel-rapl:0", name: "package-0", top: true, energy_uj, max_energy_range_uj: 1000 });
 * // 900 µJ → 100 µJ across the wrap at 1000 µJ: 200 µJ.
 * assert.equal(raplEnergy([zone(900)], [zone(100)]).joules, 0.0002);
 * ```
 */
export function raplEnergy(
  before: RaplZone[],
  after: RaplZone[],
): { joules: number; domains: Record<string, number> } {
  const domains: Record<string, number> = {};
  let packages = 0;
  let psys = 0;
  const hasPackage = after.some((z) => z.top && z.name.startsWith("package"));
  for (const b of before) {
    const a = after.find((z) => z.id === b.id);
    if (!a) continue;
    const j = raplDelta(b.energy_uj, a.energy_uj, a.max_energy_range_uj) / 1e6;
    domains[b.name] = (domains[b.name] ?? 0) + j;
    if (b.top && b.name.startsWith("package")) packages += j;
    if (b.top && b.name === "psys") psys += j;
  }
  return { joules: hasPackage ? packages : psys, domains };
}
