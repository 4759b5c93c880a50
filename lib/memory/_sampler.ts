import { MemorySamplerError } from "./_errors.ts";
import { createMemoryReader } from "./_reader.ts";
import type { MemoryReader, MemoryReading, MemoryTarget } from "./_types.ts";

/** Peaks over the samples of a sampler or of one of its windows. */
export interface MemoryPeak {
  /** Largest tree RSS seen, in bytes; null when no sample found the tree running. */
  peak_rss_bytes: number | null;
  /** Largest tree footprint seen (macOS), in bytes; null when none was readable. */
  peak_footprint_bytes: number | null;
  /** Largest system-wide used memory seen, in bytes; null when none was readable. */
  peak_system_used_bytes: number | null;
  /** Readings taken (failed reads excluded). */
  samples: number;
  /** Reads that failed; each was also passed to `onError`. */
  errors: number;
  /** Timer ticks skipped because a read was still running. */
  skipped_ticks: number;
  /** Every pid seen in the tree, ascending. */
  pids: number[];
}

/** A span of time (e.g. one request) whose peak is reported on its own; windows may overlap. */
export interface MemoryWindow {
  /**
   * Takes one final sample, then resolves with the peak over the samples taken while the window
   * was open: one requested at open, one at close, and the timer's in between (so at least two,
   * less any failed read counted in `errors`; after the sampler's `stop()` no final sample is
   * taken). Idempotent.
   */
  close(): Promise<MemoryPeak>;
}

/** A running memory sampler. */
export interface MemorySampler {
  /**
   * Opens a window and requests a sample for it at once.
   * @throws {MemorySamplerError} after `stop()`.
   */
  openWindow(): MemoryWindow;
  /** Stops the timer, waits for the read in progress, and resolves with the peak over all samples. Idempotent. */
  stop(): Promise<MemoryPeak>;
}

/** Options of {@linkcode startMemorySampler}. */
export interface MemorySamplerOptions {
  /** Milliseconds between samples. @default 100 */
  intervalMs?: number;
  /** Platform whose reader to create when `reader` is not given. @default Deno.build.os */
  platform?: string;
  /**
   * Source of readings; inject a fake in tests. The sampler closes a reader it created on
   * `stop()`, never one given here. @default createMemoryReader({ platform })
   */
  reader?: MemoryReader;
  /** Called with every failed read (also counted in `errors`); its own throws are ignored. @default undefined */
  onError?: (error: unknown) => void;
}

interface Accumulator {
  rss: number | null;
  footprint: number | null;
  system: number | null;
  samples: number;
  errors: number;
  skipped: number;
  pids: Set<number>;
}

function accumulator(): Accumulator {
  return {
    rss: null,
    footprint: null,
    system: null,
    samples: 0,
    errors: 0,
    skipped: 0,
    pids: new Set(),
  };
}

function max(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function add(acc: Accumulator, reading: MemoryReading): void {
  acc.rss = max(acc.rss, reading.rss_bytes);
  acc.footprint = max(acc.footprint, reading.footprint_bytes);
  acc.system = max(acc.system, reading.system_used_bytes);
  acc.samples++;
  for (const pid of reading.pids) acc.pids.add(pid);
}

function peak(acc: Accumulator): MemoryPeak {
  return {
    peak_rss_bytes: acc.rss,
    peak_footprint_bytes: acc.footprint,
    peak_system_used_bytes: acc.system,
    samples: acc.samples,
    errors: acc.errors,
    skipped_ticks: acc.skipped,
    pids: [...acc.pids].sort((a, b) => a - b),
  };
}

function validTarget(target: MemoryTarget): MemoryTarget {
  const pids = target.pids ?? [];
  if (pids.some((pid) => !Number.isInteger(pid) || pid <= 0)) {
    throw new RangeError(
      `MemoryTarget.pids must hold positive integers: current value is ${JSON.stringify(pids)}`,
    );
  }
  if (pids.length === 0 && !target.namePattern) {
    throw new TypeError(
      `MemoryTarget needs pids or a namePattern: current value is ${JSON.stringify(target)}`,
    );
  }
  return { ...target, excludePids: target.excludePids ?? [Deno.pid] };
}

/**
 * Starts sampling the memory of a process tree every `intervalMs`, with one sample at once. The
 * RSS of the tree is the sum of its processes' RSS in one reading; peaks are maxima over readings.
 * Reads never overlap: a tick that comes while a read runs is skipped (and counted), and samples
 * requested by windows run right after the current read. A failed read is counted in `errors`
 * and passed to `onError`; nothing is thrown from the timer. The timer does not keep the process
 * alive.
 *
 * @throws {TypeError} when the target has neither pids nor a name pattern.
 * @throws {RangeError} for non-positive or non-integer pids, a non-positive interval, or an
 * unsupported platform.
 * @example
 * ```ts
 * import { startMemorySampler } from "./mod.ts";
 * const reader = {
 *   platform: "linux" as const,
 *   read: () => Promise.resolve({ pids: [1], rss_bytes: 10, footprint_bytes: null, system_used_bytes: 99 }),
 * };
 * const sampler = startMemorySampler({ pids: [1] }, { reader });
 * const window = await sampler.openWindow().close();
 * await sampler.stop();
 * if (window.peak_rss_bytes !== 10 || window.samples < 2) throw new Error("unexpected");
 * ```
 */
export function startMemorySampler(
  target: MemoryTarget,
  options: MemorySamplerOptions = {},
): MemorySampler {
  const intervalMs = options.intervalMs ?? 100;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a positive number: current value is ${intervalMs}`);
  }
  const resolved = validTarget(target);
  const owned = options.reader === undefined;
  const reader = options.reader ?? createMemoryReader({ platform: options.platform });
  const total = accumulator();
  const windows = new Set<Accumulator>();
  let inFlight: Promise<void> | null = null;
  /** Requests for a sample, served by the next read: `after` runs before any later read starts. */
  let waiting: Array<{ resolve: () => void; after?: () => void }> = [];
  let stopping: Promise<MemoryPeak> | null = null;

  function startRead(): void {
    const served = waiting;
    waiting = [];
    const targets = [total, ...windows];
    inFlight = (async () => {
      try {
        const reading = await reader.read(resolved);
        for (const acc of targets) add(acc, reading);
      } catch (error) {
        for (const acc of targets) acc.errors++;
        try {
          options.onError?.(error);
        } catch {
          // A failing callback must not stop the sampler.
        }
      }
    })().finally(() => {
      inFlight = null;
      for (const request of served) {
        request.after?.();
        request.resolve();
      }
      if (waiting.length > 0) startRead();
    });
  }

  /** Resolves once a read that started after this call has finished; `after` runs right then. */
  function sampleNow(after?: () => void): Promise<void> {
    if (stopping) {
      after?.();
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => waiting.push({ resolve, after }));
    if (!inFlight) startRead();
    return done;
  }

  function tick(): void {
    if (!inFlight) return startRead();
    total.skipped++;
    for (const acc of windows) acc.skipped++;
  }

  const timer = setInterval(tick, intervalMs);
  Deno.unrefTimer(timer);
  startRead();

  return {
    openWindow(): MemoryWindow {
      if (stopping) {
        throw new MemorySamplerError("Cannot open a memory window: the sampler is stopped");
      }
      const acc = accumulator();
      windows.add(acc);
      const opened = sampleNow();
      let closing: Promise<MemoryPeak> | null = null;
      return {
        close() {
          // The closing sample starts after the opening one, so the two are distinct readings.
          // Its last sample removes the window before any later read can start.
          closing ??= opened.then(() => sampleNow(() => windows.delete(acc))).then(() => peak(acc));
          return closing;
        },
      };
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        while (inFlight) await inFlight;
        if (owned) reader.close?.();
        return peak(total);
      })();
      return stopping;
    },
  };
}
