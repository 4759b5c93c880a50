import { excerpt, MemoryParseError } from "./_errors.ts";

/**
 * Keys of the rows macOS `vm_stat` prints, in its order (Apple `system_cmds`, `vm_stat/vm_stat.c`):
 * each row label lower-cased, quotes dropped, every run of non-alphanumerics turned into `_`.
 */
export const VM_STAT_COUNTER_KEYS = [
  "pages_free",
  "pages_active",
  "pages_inactive",
  "pages_speculative",
  "pages_throttled",
  "pages_wired_down",
  "pages_purgeable",
  "translation_faults",
  "pages_copy_on_write",
  "pages_zero_filled",
  "pages_reactivated",
  "pages_purged",
  "file_backed_pages",
  "anonymous_pages",
  "pages_stored_in_compressor",
  "pages_occupied_by_compressor",
  "decompressions",
  "compressions",
  "pageins",
  "pageouts",
  "swapins",
  "swapouts",
] as const;

/** One of the row keys in {@linkcode VM_STAT_COUNTER_KEYS}. */
export type VmStatCounterKey = typeof VM_STAT_COUNTER_KEYS[number];

/** Counters of a `vm_stat` report: every known key (null when its row is absent) plus any unknown row. */
export type VmStatCounters = { [K in VmStatCounterKey]: number | null } & {
  [key: string]: number | null;
};

/** A parsed `vm_stat` report; every byte figure is null when a counter it needs is missing. */
export interface VmStat {
  /** Page size from the header line, in bytes; null when the header is missing. */
  page_size_bytes: number | null;
  /** Row values as printed (pages, or events for faults/compressions/pageins...). */
  counters: VmStatCounters;
  /** App memory: (anonymous pages − purgeable pages) × page size, floored at 0. */
  app_memory_bytes: number | null;
  /** Wired memory: pages wired down × page size. */
  wired_bytes: number | null;
  /** Compressed: pages occupied by compressor × page size (physical pages, not the uncompressed size). */
  compressed_bytes: number | null;
  /** Memory used as Activity Monitor shows it: app memory + wired + compressed. */
  used_bytes: number | null;
}

const HEADER = /^Mach Virtual Memory Statistics:\s*\(page size of (\d+) bytes\)/;
const ROW = /^\s*"?([A-Za-z][A-Za-z -]*?)"?:\s+(\d+)\.?\s*$/;

/** Row label as printed → counter key (`"Translation faults"` → `translation_faults`). */
function counterKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/** `pages × pageSize`, or null when either is missing. */
function bytes(pages: number | null, pageSize: number | null): number | null {
  return pages === null || pageSize === null ? null : pages * pageSize;
}

/**
 * Parses macOS `vm_stat` output: the page size from its header, every counter row, and the memory
 * used as Activity Monitor's "Memory Used" shows it.
 *
 * Formula: `used_bytes = page_size × (max(0, anonymous − purgeable) + wired down + occupied by
 * compressor)`, i.e. App Memory + Wired Memory + Compressed. "Anonymous pages" is the kernel's
 * `internal_page_count` and "Pages purgeable" its `purgeable_count`, so the first term is the
 * `internal − purgeable` App Memory figure used by Activity Monitor look-alikes; "Pages occupied by
 * compressor" is the physical size of the compressed pool. We chose it over `active + wired` (what
 * psutil reports) because active/inactive split app and file-cache pages by recency, not by owner:
 * a model's weights sitting in inactive anonymous pages are still used memory. File-backed cache
 * and free/speculative pages are not counted. All four counters come before the
 * `Decompressions:` row, so a report truncated after that row still yields a value; a report
 * missing any of them (or the header) gives null, never NaN.
 *
 * @example
 * ```ts
 * import { parseVmStat } from "./mod.ts";
 * const text = "Mach Virtual Memory Statistics: (page size of 16384 bytes)\n" +
 *   "Pages wired down: 10.\nPages purgeable: 1.\nAnonymous pages: 5.\nPages occupied by compressor: 2.\n";
 * if (parseVmStat(text).used_bytes !== (5 - 1 + 10 + 2) * 16384) throw new Error("unexpected");
 * ```
 */
export function parseVmStat(text: string): VmStat {
  let pageSize: number | null = null;
  const counters: Record<string, number | null> = {};
  for (const key of VM_STAT_COUNTER_KEYS) counters[key] = null;
  let rows = 0;
  for (const line of text.split(/\r?\n/)) {
    const header = HEADER.exec(line);
    if (header) {
      pageSize = Number(header[1]);
      continue;
    }
    const row = ROW.exec(line);
    if (!row) continue;
    counters[counterKey(row[1])] = Number(row[2]);
    rows++;
  }
  if (pageSize === null && rows === 0) {
    throw new MemoryParseError(
      `Cannot parse vm_stat output: no 'Mach Virtual Memory Statistics' header and no counter rows: current value is '${
        excerpt(text)
      }'`,
    );
  }
  const c = counters as VmStatCounters;
  const appPages = c.anonymous_pages === null || c.pages_purgeable === null
    ? null
    : Math.max(0, c.anonymous_pages - c.pages_purgeable);
  const app = bytes(appPages, pageSize);
  const wired = bytes(c.pages_wired_down, pageSize);
  const compressed = bytes(c.pages_occupied_by_compressor, pageSize);
  return {
    page_size_bytes: pageSize,
    counters: c,
    app_memory_bytes: app,
    wired_bytes: wired,
    compressed_bytes: compressed,
    used_bytes: app === null || wired === null || compressed === null
      ? null
      : app + wired + compressed,
  };
}
