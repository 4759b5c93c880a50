/** Platforms with a memory reader. */
export type MemoryPlatform = "darwin" | "linux";

/** What to measure: a process tree given by root pids and/or a command pattern. */
export interface MemoryTarget {
  /** Root pids. */
  pids?: number[];
  /** Processes whose command line matches are roots (see `LM_STUDIO_PROCESS_PATTERN`). */
  namePattern?: RegExp;
  /** Include every descendant of the roots, rescanned at each sample. @default true */
  includeChildren?: boolean;
  /**
   * Pids never taken as roots by `namePattern`. The sampler defaults it to its own pid, since a
   * harness's command line often names the backend (`--backend lmstudio`).
   * @default [Deno.pid] in the sampler, [] in a reader
   */
  excludePids?: number[];
}

/** One reading of a process tree and of the system, taken at one instant. */
export interface MemoryReading {
  /** Pids of the tree that were running, ascending. */
  pids: number[];
  /** Sum of the tree's RSS in bytes; null when no process of the tree was running. */
  rss_bytes: number | null;
  /**
   * Sum of the tree's physical footprint in bytes (macOS `footprint`); null on Linux, when the
   * tree is empty, or when any of its processes could not be read.
   */
  footprint_bytes: number | null;
  /** System-wide used memory in bytes (vm_stat on macOS, /proc/meminfo on Linux); null when unknown. */
  system_used_bytes: number | null;
}

/** Source of readings for a sampler; one per platform, or a fake in tests. */
export interface MemoryReader {
  /** Platform it reads. */
  readonly platform: MemoryPlatform;
  /** Reads `target` and the system once. Rejects when the reading cannot be taken at all. */
  read(target: MemoryTarget): Promise<MemoryReading>;
  /** Releases what the reader keeps between reads (open files); it may not be read again. */
  close?(): void;
}

/** Runs `cmd` with `args` and resolves with its stdout; rejects when it cannot start or exits non-zero. */
export type CommandRunner = (cmd: string, args: string[]) => Promise<string>;
