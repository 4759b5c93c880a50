/** The Linux part of environment capture: /proc, os-release, DMI and power supplies. @module */
import {
  type CommandRunner,
  type DirectoryLister,
  type FileReader,
  stdoutOf,
  textOf,
  trimmedOrNull,
} from "./_io.ts";
import { positiveInt, type SystemFacts } from "./_facts.ts";
import { parseCpuinfo, parseMeminfoTotal, parseOsRelease, powerFromSupplies } from "./_linux.ts";

/** Read the Linux files (and `uname -m`, `nproc`); a missing file leaves nulls. */
export async function captureLinux(
  run: CommandRunner,
  read: FileReader,
  readDir: DirectoryLister,
): Promise<SystemFacts> {
  const [cpuinfo, meminfo, osRelease, release, arch, nproc, product, profile, power] = await Promise
    .all([
      textOf(read, "/proc/cpuinfo"),
      textOf(read, "/proc/meminfo"),
      textOf(read, "/etc/os-release").then((text) => text ?? textOf(read, "/usr/lib/os-release")),
      textOf(read, "/proc/sys/kernel/osrelease"),
      stdoutOf(run, "uname", ["-m"]),
      stdoutOf(run, "nproc", ["--all"]),
      textOf(read, "/sys/devices/virtual/dmi/id/product_name"),
      textOf(read, "/sys/firmware/acpi/platform_profile"),
      linuxPower(read, readDir),
    ]);
  const cpu = parseCpuinfo(cpuinfo ?? "");
  const os = parseOsRelease(osRelease ?? "");
  const profileName = trimmedOrNull(profile);
  return {
    os: {
      release: trimmedOrNull(release),
      version: os.PRETTY_NAME ?? (os.NAME ? [os.NAME, os.VERSION].filter(Boolean).join(" ") : null),
      arch: trimmedOrNull(arch),
    },
    cpu: {
      model: cpu.model,
      cores_physical: cpu.cores_physical,
      cores_logical: cpu.cores_logical ?? positiveInt(nproc),
      cores_performance: null,
      cores_efficiency: null,
      chip: null,
    },
    machine: { model_name: trimmedOrNull(product), model_identifier: null },
    memory_bytes: meminfo === null ? null : parseMeminfoTotal(meminfo),
    power: {
      ...power,
      low_power_mode: profileName === null ? null : profileName === "low-power",
    },
  };
}

async function linuxPower(read: FileReader, readDir: DirectoryLister) {
  const root = "/sys/class/power_supply";
  let names: string[];
  try {
    names = await readDir(root);
  } catch {
    return { source: "unknown" as const, battery_percent: null };
  }
  const supplies = await Promise.all(names.map(async (name) => {
    const [type, online, status, capacity] = await Promise.all(
      ["type", "online", "status", "capacity"].map((attribute) =>
        textOf(read, `${root}/${name}/${attribute}`).then(trimmedOrNull)
      ),
    );
    return { type, online, status, capacity };
  }));
  return powerFromSupplies(supplies);
}
