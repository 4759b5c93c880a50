import { excerpt, MemoryParseError } from "./_errors.ts";

/** Figures of a Linux `/proc/<pid>/stat` line (see proc_pid_stat(5)). */
export interface ProcStat {
  /** Field 1. */
  pid: number;
  /** Field 2 without its parentheses (the kernel's comm, at most 15 bytes, may hold spaces and `)`). */
  comm: string;
  /** Field 3 (`R`, `S`, `Z`, ...). */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 14, in clock ticks. */
  utime_ticks: number;
  /** Field 15, in clock ticks. */
  stime_ticks: number;
  /** Field 22, in clock ticks since boot; with pid, it names one process instance. */
  starttime_ticks: number;
  /**
   * Field 24, resident set size in pages. Approximate on recent kernels (per-CPU counters are not
   * folded in; a small process can read a few dozen pages low): use `/proc/<pid>/status` `VmRSS`
   * for exact figures.
   */
  rss_pages: number;
}

/**
 * Parses a Linux `/proc/<pid>/stat` line. The comm field is taken between the first `(` and the
 * last `)`, so names holding spaces or parentheses parse correctly.
 *
 * @throws {MemoryParseError} when the line has no `(comm)` or too few fields.
 * @example
 * ```ts
 * import { parseProcStat } from "./mod.ts";
 * const s = parseProcStat("7 (a b) S 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 4096 12 0");
 * if (s.comm !== "a b" || s.ppid !== 1 || s.rss_pages !== 12) throw new Error("unexpected");
 * ```
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const rest = close > open && open > 0 ? text.slice(close + 1).trim().split(/\s+/) : [];
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  if (rest.length < 22) {
    throw new MemoryParseError(
      `Cannot parse /proc/<pid>/stat: expected 'pid (comm) state ppid ...' with at least 24 fields: current value is '${
        excerpt(text)
      }'`,
    );
  }
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    utime_ticks: Number(rest[11]),
    stime_ticks: Number(rest[12]),
    starttime_ticks: Number(rest[19]),
    rss_pages: Number(rest[21]),
  };
}
