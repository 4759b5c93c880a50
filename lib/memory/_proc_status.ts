import { excerpt, MemoryParseError } from "./_errors.ts";

/** Figures of a Linux `/proc/<pid>/status` file. */
export interface ProcStatus {
  /** `Name:` (the kernel's 15-character comm); null when absent. */
  name: string | null;
  /** `Pid:`; null when absent. */
  pid: number | null;
  /** `PPid:`; null when absent. */
  ppid: number | null;
  /** `VmRSS:` in bytes (the file says kB, meaning KiB); null when absent (kernel threads, zombies). */
  vm_rss_bytes: number | null;
  /** `VmHWM:` (peak RSS) in bytes; null when absent. */
  vm_hwm_bytes: number | null;
}

const FIELD_PATTERNS = new Map<string, RegExp>();

/** The trimmed value of the `key:` line of a /proc text, or undefined (one regex scan, no split). */
export function procField(text: string, key: string): string | undefined {
  let pattern = FIELD_PATTERNS.get(key);
  if (!pattern) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    pattern = new RegExp(`^${escaped}:[ \\t]*(.*?)[ \\t]*$`, "m");
    FIELD_PATTERNS.set(key, pattern);
  }
  const match = pattern.exec(text);
  return match ? match[1] : undefined;
}

/** True when `text` has at least one `Key: value` line. */
export function hasProcFields(text: string): boolean {
  return /^[^:\n]+:/m.test(text);
}

/** `"1616 kB"` → 1654784; null when absent or not a kB figure. */
export function kibibytes(value: string | undefined): number | null {
  const match = value === undefined ? null : /^(\d+)\s*kB$/.exec(value);
  return match ? Number(match[1]) * 1024 : null;
}

function integer(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * Parses Linux `/proc/<pid>/status`: name, pid, ppid, and `VmRSS`/`VmHWM` converted from kB (KiB)
 * to bytes. Fields that are absent give null.
 *
 * @throws {MemoryParseError} when the text has no `Key: value` line at all.
 * @example
 * ```ts
 * import { parseProcStatus } from "./mod.ts";
 * const s = parseProcStatus("Name:\tcat\nPid:\t9\nPPid:\t1\nVmHWM:\t    1616 kB\nVmRSS:\t    1600 kB\n");
 * if (s.vm_rss_bytes !== 1600 * 1024) throw new Error("unexpected");
 * ```
 */
export function parseProcStatus(text: string): ProcStatus {
  if (!hasProcFields(text)) {
    throw new MemoryParseError(
      `Cannot parse /proc/<pid>/status: no 'Key: value' lines: current value is '${excerpt(text)}'`,
    );
  }
  return {
    name: procField(text, "Name") ?? null,
    pid: integer(procField(text, "Pid")),
    ppid: integer(procField(text, "PPid")),
    vm_rss_bytes: kibibytes(procField(text, "VmRSS")),
    vm_hwm_bytes: kibibytes(procField(text, "VmHWM")),
  };
}
