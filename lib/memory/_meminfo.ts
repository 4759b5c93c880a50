import { excerpt, MemoryParseError } from "./_errors.ts";
import { hasProcFields, kibibytes, procField } from "./_proc_status.ts";

/** Figures of Linux `/proc/meminfo`, in bytes. */
export interface Meminfo {
  /** `MemTotal`; null when absent. */
  total_bytes: number | null;
  /** `MemFree`; null when absent. */
  free_bytes: number | null;
  /** `MemAvailable` (kernel ≥ 3.14); null when absent. */
  available_bytes: number | null;
  /** `MemTotal − MemAvailable`; null when either is absent. */
  used_bytes: number | null;
}

/**
 * Parses Linux `/proc/meminfo` (values in kB, meaning KiB) and derives the memory in use as
 * `MemTotal − MemAvailable`: memory the kernel estimates cannot be handed to a new workload without
 * swapping (reclaimable page cache and slab count as available, not used).
 *
 * @throws {MemoryParseError} when the text has no `Key: value` line at all.
 * @example
 * ```ts
 * import { parseMeminfo } from "./mod.ts";
 * const m = parseMeminfo("MemTotal: 100 kB\nMemFree: 20 kB\nMemAvailable: 60 kB\n");
 * if (m.used_bytes !== 40 * 1024) throw new Error("unexpected");
 * ```
 */
export function parseMeminfo(text: string): Meminfo {
  if (!hasProcFields(text)) {
    throw new MemoryParseError(
      `Cannot parse /proc/meminfo: no 'Key: value' lines: current value is '${excerpt(text)}'`,
    );
  }
  const total = kibibytes(procField(text, "MemTotal"));
  const available = kibibytes(procField(text, "MemAvailable"));
  return {
    total_bytes: total,
    free_bytes: kibibytes(procField(text, "MemFree")),
    available_bytes: available,
    used_bytes: total === null || available === null ? null : total - available,
  };
}
