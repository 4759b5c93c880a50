import { excerpt, MemoryParseError } from "./_errors.ts";

/** The figures of one process in a macOS `footprint -p PID` report. */
export interface Footprint {
  /** Process name from the banner (`ruby` in `ruby [3644]: 64-bit ...`). */
  process_name: string;
  /** Process id from the banner. */
  pid: number;
  /** The banner's `Footprint:` figure in bytes, at the banner's display precision (e.g. whole MB). */
  footprint_bytes: number;
  /** Page size from the banner's `(N bytes per page)`; null when absent. */
  page_size_bytes: number | null;
  /** Dirty column of the `TOTAL` row of the category table; null when the report has none. */
  total_dirty_bytes: number | null;
  /** `phys_footprint:` line of the auxiliary data; null when absent. */
  phys_footprint_bytes: number | null;
  /** `phys_footprint_peak:` line of the auxiliary data; null when absent. */
  phys_footprint_peak_bytes: number | null;
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};
const SIZE = String.raw`(\d[\d,]*(?:\.\d+)?)\s*([KMGT]?B)\b`;
const BANNER = new RegExp(
  String.raw`^\s*(.+?) \[(\d+)\]:.*?Footprint:\s*${SIZE}(?:\s*\((\d+) bytes per page\))?`,
  "m",
);
const TOTAL_ROW = new RegExp(String.raw`^\s*${SIZE}\s+.*\bTOTAL\s*$`, "m");
const PHYS = new RegExp(String.raw`^\s*phys_footprint:\s*${SIZE}`, "m");
const PHYS_PEAK = new RegExp(String.raw`^\s*phys_footprint_peak:\s*${SIZE}`, "m");

/** `"42", "MB"` → 44040192 (footprint's units are binary: 1 KB = 1024 B); `1,234` is 1234. */
function sizeBytes(amount: string, unit: string): number {
  return Math.round(Number(amount.replaceAll(",", "")) * UNITS[unit]);
}

function optionalSize(pattern: RegExp, text: string): number | null {
  const match = pattern.exec(text);
  return match ? sizeBytes(match[1], match[2]) : null;
}

/**
 * Parses the text report of macOS `footprint -p PID` (default `formatted` units): the banner line
 * `name [pid]: 64-bit    Footprint: 42 MB (16384 bytes per page)`, and, when the report is
 * complete, the `TOTAL` row of the category table and the `phys_footprint:` /
 * `phys_footprint_peak:` auxiliary lines. Units are binary (KB = 1024 B): the category rows of real
 * reports are whole multiples of 16 KiB pages (6288 KB = 393 × 16 KiB). When the report covers
 * several processes, the first banner is read.
 *
 * @throws {MemoryParseError} when there is no `Footprint:` banner (e.g. footprint printed an error).
 * @example
 * ```ts
 * import { parseFootprint } from "./mod.ts";
 * const f = parseFootprint("node [7]: 64-bit    Footprint: 1.5 GB (16384 bytes per page)\n");
 * if (f.footprint_bytes !== 1.5 * 1024 ** 3 || f.pid !== 7) throw new Error("unexpected");
 * ```
 */
export function parseFootprint(text: string): Footprint {
  const banner = BANNER.exec(text);
  if (!banner) {
    throw new MemoryParseError(
      `Cannot parse footprint output: no 'name [pid]: ... Footprint: N MB' banner line: current value is '${
        excerpt(text)
      }'`,
    );
  }
  return {
    process_name: banner[1].trim(),
    pid: Number(banner[2]),
    footprint_bytes: sizeBytes(banner[3], banner[4]),
    page_size_bytes: banner[5] === undefined ? null : Number(banner[5]),
    total_dirty_bytes: optionalSize(TOTAL_ROW, text),
    phys_footprint_bytes: optionalSize(PHYS, text),
    phys_footprint_peak_bytes: optionalSize(PHYS_PEAK, text),
  };
}
