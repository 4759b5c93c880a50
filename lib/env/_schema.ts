/** The environment record of a run manifest, defined once as a zod schema. @module */
import { z } from "zod";

/** Where the machine draws power from. */
export const PowerSourceSchema = z.enum(["ac", "battery", "unknown"]);

/** Hardware and software facts of the machine a run happened on. */
export const EnvironmentSchema = z.object({
  os: z.object({
    /** `Deno.build.os` values: "darwin", "linux", "windows", ... */
    platform: z.string(),
    /** Kernel release (`uname -r`; Darwin 23.4.0 is macOS 14.4). */
    release: z.string().nullable(),
    /** Human name and version: "macOS 14.2.1 (23C71)", "Debian GNU/Linux 12 (bookworm)". */
    version: z.string().nullable(),
    /** Machine architecture as `uname -m` prints it: "arm64", "x86_64", "aarch64". */
    arch: z.string().nullable(),
  }),
  cpu: z.object({
    /** CPU brand string (`machdep.cpu.brand_string`, /proc/cpuinfo "model name"). */
    model: z.string().nullable(),
    cores_physical: z.number().int().positive().nullable(),
    cores_logical: z.number().int().positive().nullable(),
    /** Performance cores (Apple Silicon, from system_profiler); null elsewhere. */
    cores_performance: z.number().int().nonnegative().nullable(),
    /** Efficiency cores (Apple Silicon, from system_profiler); null elsewhere. */
    cores_efficiency: z.number().int().nonnegative().nullable(),
    /** Apple chip name ("Apple M1 Pro"); null on Intel Macs and other platforms. */
    chip: z.string().nullable(),
  }),
  machine: z.object({
    /** "MacBook Pro"; DMI product name on Linux. */
    model_name: z.string().nullable(),
    /** "MacBookPro18,3"; null off macOS. */
    model_identifier: z.string().nullable(),
  }),
  /** Physical memory in bytes. */
  memory_bytes: z.number().int().positive().nullable(),
  hostname: z.string(),
  /** `Deno.version.deno`. */
  deno: z.string(),
  /** `Deno.version.v8`. */
  v8: z.string(),
  /** `Deno.version.typescript`. */
  typescript: z.string(),
  git: z.object({
    /** `git rev-parse HEAD`; null outside a repository or before the first commit. */
    commit: z.string().nullable(),
    /** Whether `git status --porcelain` lists anything (untracked files count); null outside a repository. */
    dirty: z.boolean().nullable(),
  }),
  power: z.object({
    source: PowerSourceSchema,
    /** macOS Low Power Mode (or a Linux low-power platform profile); null when unknown. */
    low_power_mode: z.boolean().nullable(),
    /** Internal battery charge in percent; null without a battery or when unknown. */
    battery_percent: z.number().min(0).max(100).nullable(),
  }),
  lmstudio: z.object({
    /** Version printed by `lms version` (the CLI's version); null when unavailable. */
    version: z.string().nullable(),
    /** GET /v1/models answered 200; null when no LM Studio URL was given. */
    reachable: z.boolean().nullable(),
  }),
  /** ISO 8601 time of the capture. */
  captured_at: z.string(),
});

/** Hardware and software facts of the machine a run happened on. */
export type Environment = z.output<typeof EnvironmentSchema>;
/** Where the machine draws power from. */
export type PowerSource = z.output<typeof PowerSourceSchema>;
