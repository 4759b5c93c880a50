import { MemoryReadError } from "./_errors.ts";
import { parseMeminfo } from "./_meminfo.ts";
import { type ProcessLink, processTree } from "./_process_tree.ts";
import { parseProcStat, type ProcStat } from "./_proc_stat.ts";
import { parseProcStatus } from "./_proc_status.ts";
import type { MemoryReader, MemoryTarget } from "./_types.ts";

/** Options of {@linkcode createLinuxReader}. */
export interface LinuxReaderOptions {
  /** Mount point of procfs. @default "/proc" */
  procDir?: string;
  /** Reads a small file synchronously; returns null when it cannot (the process is gone). @default readProcFile */
  readFile?: (path: string) => string | null;
  /** Names of the entries of a directory. @default names from `Deno.readDirSync` */
  listDir?: (path: string) => string[];
  /** Files read between two yields to the event loop during a full scan. @default 64 */
  batchSize?: number;
}

const CHUNK = new Uint8Array(16 * 1024);
const SPARE = new Uint8Array(16 * 1024);
const DECODER = new TextDecoder();

/**
 * Reads a small file (a /proc entry) with one open and a few synchronous reads into a shared
 * buffer; returns null when it cannot be opened or read. /proc files report size 0, so the file
 * is read until EOF.
 */
export function readProcFile(path: string): string | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch {
    return null;
  }
  try {
    const first = file.readSync(CHUNK);
    if (first === null || first === 0) return "";
    const second = SPARE;
    const n = file.readSync(second);
    if (n === null || n === 0) return DECODER.decode(CHUNK.subarray(0, first));
    // Longer than one chunk (a long command line): collect every chunk, then decode once.
    const chunks = [CHUNK.slice(0, first), second.slice(0, n)];
    for (;;) {
      const more = file.readSync(second);
      if (more === null || more === 0) break;
      chunks.push(second.slice(0, more));
    }
    const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return DECODER.decode(all);
  } catch {
    return null;
  } finally {
    file.close();
  }
}

function listDirNames(path: string): string[] {
  return Array.from(Deno.readDirSync(path), (entry) => entry.name);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A reader of Linux procfs, with no subprocess. Each read takes the tree's members (a full scan
 * of `/proc/<pid>/stat` for ppid links when children are included or a name pattern is given,
 * yielding to the event loop every `batchSize` files; otherwise only the given pids), then sums
 * `VmRSS` from each member's `/proc/<pid>/status`, read back to back, and reads
 * `MemTotal − MemAvailable` from `/proc/meminfo`. For name patterns the full command line comes
 * from `/proc/<pid>/cmdline`, cached per process instance (pid, start time and comm).
 * `footprint_bytes` is always null.
 */
export function createLinuxReader(options: LinuxReaderOptions = {}): MemoryReader {
  const procDir = options.procDir ?? "/proc";
  const readFile = options.readFile ?? readProcFile;
  const listDir = options.listDir ?? listDirNames;
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer: current value is ${batchSize}`);
  }
  let commands = new Map<number, { key: string; command: string }>();

  function commandOf(stat: ProcStat, next: typeof commands): string {
    const key = `${stat.starttime_ticks}:${stat.comm}`;
    const cached = commands.get(stat.pid);
    let command = cached?.key === key ? cached.command : null;
    if (command === null) {
      const raw = readFile(`${procDir}/${stat.pid}/cmdline`);
      command = raw?.replaceAll("\0", " ").trim() || `[${stat.comm}]`;
    }
    next.set(stat.pid, { key, command });
    return command;
  }

  async function scan(withCommands: boolean): Promise<ProcessLink[]> {
    const rows: ProcessLink[] = [];
    const next = new Map<number, { key: string; command: string }>();
    let reads = 0;
    for (const name of listDir(procDir)) {
      const first = name.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      if (++reads % batchSize === 0) await yieldToEventLoop();
      const text = readFile(`${procDir}/${name}/stat`);
      if (text === null) continue;
      let stat: ProcStat;
      try {
        stat = parseProcStat(text);
      } catch {
        continue;
      }
      rows.push({
        pid: stat.pid,
        ppid: stat.ppid,
        command: withCommands ? commandOf(stat, next) : stat.comm,
      });
    }
    if (withCommands) commands = next;
    return rows;
  }

  return {
    platform: "linux",
    async read(target: MemoryTarget) {
      const includeChildren = target.includeChildren ?? true;
      const candidates = !includeChildren && !target.namePattern
        ? [...new Set(target.pids ?? [])].sort((a, b) => a - b)
        : processTree(await scan(target.namePattern !== undefined), target, {
          includeChildren,
          excludePids: target.excludePids,
        });
      const pids: number[] = [];
      let rss = 0;
      for (const pid of candidates) {
        const text = readFile(`${procDir}/${pid}/status`);
        if (text === null) continue;
        try {
          rss += parseProcStatus(text).vm_rss_bytes ?? 0;
          pids.push(pid);
        } catch {
          // Not a status file (the process vanished mid-read): not a member any more.
        }
      }
      const meminfo = readFile(`${procDir}/meminfo`);
      if (meminfo === null) {
        throw new MemoryReadError(
          `Cannot read system memory: '${procDir}/meminfo' is not readable: current procDir is '${procDir}'`,
        );
      }
      return {
        pids,
        rss_bytes: pids.length > 0 ? rss : null,
        footprint_bytes: null,
        system_used_bytes: parseMeminfo(meminfo).used_bytes,
      };
    },
  };
}
