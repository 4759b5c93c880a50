import { MemoryReadError } from "./_errors.ts";
import { parseMeminfo } from "./_meminfo.ts";
import { type ProcessLink, processTree } from "./_process_tree.ts";
import { parseProcStat, type ProcStat } from "./_proc_stat.ts";
import { procField } from "./_proc_status.ts";
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
  /** Bytes per page (`statm` counts pages). @default the kernel's (AT_PAGESZ of /proc/self/auxv), else 4096 */
  pageSize?: number;
  /**
   * New process ids examined one by one when `/proc/loadavg` says processes appeared; more than
   * this (or a wrapped pid counter) rebuilds the tree with a full scan. @default 256
   */
  maxNewPids?: number;
  /**
   * With a name pattern, a full scan also runs when the last one is this old (a process can exec
   * into a matching command without a new pid). @default 10000
   */
  patternRescanMs?: number;
}

/** The kernel's page size (AT_PAGESZ in /proc/self/auxv), or 4096 when it cannot be read. */
export function kernelPageSize(): number {
  try {
    const bytes = Deno.readFileSync("/proc/self/auxv");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + 16 <= bytes.length; i += 16) {
      if (view.getBigUint64(i, true) === 6n) return Number(view.getBigUint64(i + 8, true));
    }
  } catch {
    // Not Linux, or no procfs: the usual page size.
  }
  return 4096;
}

/** The last process id the kernel handed out (`/proc/loadavg`'s last field), or null. */
export function parseLastPid(loadavg: string | null): number | null {
  const m = loadavg === null ? null : /\s(\d+)\s*$/.exec(loadavg);
  return m ? Number(m[1]) : null;
}

/** Resident pages of a `/proc/<pid>/statm` line (its second field), or null when it is not one. */
export function statmResidentPages(text: string): number | null {
  const first = text.indexOf(" ");
  if (first <= 0) return null;
  const second = text.indexOf(" ", first + 1);
  const value = Number(text.slice(first + 1, second === -1 ? undefined : second));
  return Number.isInteger(value) && value >= 0 ? value : null;
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

/**
 * Small /proc files kept open between reads and read again from offset 0 (procfs regenerates them
 * on each read): about a third of the CPU of open, read and close each time. A file that cannot
 * be read any more (its process exited) is closed and gives null.
 */
class KeptProcFiles {
  #files = new Map<string, Deno.FsFile>();
  #buffer = new Uint8Array(16 * 1024);

  read(path: string): string | null {
    let file = this.#files.get(path);
    if (!file) {
      try {
        file = Deno.openSync(path);
      } catch {
        return null;
      }
      this.#files.set(path, file);
    } else {
      try {
        file.seekSync(0, Deno.SeekMode.Start);
      } catch {
        this.close(path);
        return null;
      }
    }
    try {
      const n = file.readSync(this.#buffer);
      if (n === null || n === 0) return "";
      if (n < this.#buffer.length) return DECODER.decode(this.#buffer.subarray(0, n));
    } catch {
      this.close(path);
      return null;
    }
    // Longer than the buffer: read it whole the ordinary way.
    return readProcFile(path);
  }

  close(path: string): void {
    try {
      this.#files.get(path)?.close();
    } catch { /* already closed */ }
    this.#files.delete(path);
  }

  closeAll(): void {
    for (const path of [...this.#files.keys()]) this.close(path);
  }
}

function listDirNames(path: string): string[] {
  return Array.from(Deno.readDirSync(path), (entry) => entry.name);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** What a reader remembers of one target's tree between reads. */
interface TreeState {
  members: Set<number>;
  /** `/proc/loadavg`'s last pid when the members were last brought up to date. */
  lastPid: number | null;
  /** When the last full scan ran (performance.now()). */
  scannedAt: number;
  /** New pids a name pattern did not match yet: looked at once more on the next read. */
  recheck: number[];
}

/**
 * A reader of Linux procfs, with no subprocess, that reads only what changed. Each read takes the
 * tree's members, sums their resident pages from `/proc/<pid>/statm` (one short line each, read
 * back to back) and reads `MemTotal − MemAvailable` from `/proc/meminfo`. The members are known
 * from the previous read: the tree is rebuilt only when `/proc/loadavg` says a process appeared
 * since (its last-pid field moved), by examining the new pids one by one (a new process whose
 * parent is a member, or that is a root, joins; a thread never does), or with a full scan of
 * `/proc/<pid>/stat` for ppid links when the counter wrapped or moved by more than `maxNewPids`
 * (the first read always scans; it yields to the event loop every `batchSize` files). With a name
 * pattern, a new pid that does not match yet is looked at once more on the next read (a forked
 * child runs its parent's command until it execs), and a full scan runs every
 * `patternRescanMs`. A member whose statm cannot be read has exited and leaves the tree; a member
 * whose parent exits stays. The files read at every tick (loadavg, the members' statm, meminfo)
 * stay open between reads until `close()`.
 * Without children and without a name pattern, only the given pids are read. For name patterns
 * the full command line comes from `/proc/<pid>/cmdline`, cached per process instance (pid,
 * start time and comm). `footprint_bytes` is always null.
 */
export function createLinuxReader(options: LinuxReaderOptions = {}): MemoryReader {
  const procDir = options.procDir ?? "/proc";
  const readFile = options.readFile ?? readProcFile;
  // The files read at every tick stay open (the default reader only).
  const kept = options.readFile ? null : new KeptProcFiles();
  const readOften = kept ? (path: string) => kept.read(path) : readFile;
  const listDir = options.listDir ?? listDirNames;
  const batchSize = options.batchSize ?? 64;
  const maxNewPids = options.maxNewPids ?? 256;
  const patternRescanMs = options.patternRescanMs ?? 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer: current value is ${batchSize}`);
  }
  const pageSize = options.pageSize ?? kernelPageSize();
  let commands = new Map<number, { key: string; command: string }>();
  const trees = new Map<string, TreeState>();

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

  /** Whether `pid` is a process (a thread id's status names another thread group). */
  function isProcess(pid: number): boolean {
    const status = readFile(`${procDir}/${pid}/status`);
    return status !== null && procField(status, "Tgid") === String(pid);
  }

  /**
   * Bring the members up to date with the given new pids; returns those a pattern may still match
   * once they exec (a forked child runs its parent's command until then).
   */
  function examine(
    state: TreeState,
    target: MemoryTarget,
    includeChildren: boolean,
    pids: Iterable<number>,
  ): number[] {
    const roots = new Set(target.pids ?? []);
    const excluded = new Set(target.excludePids ?? []);
    const pattern = target.namePattern &&
      new RegExp(target.namePattern.source, target.namePattern.flags.replace(/[gy]/g, ""));
    const undecided: number[] = [];
    for (const pid of pids) {
      const text = readFile(`${procDir}/${pid}/stat`);
      if (text === null) continue;
      let stat: ProcStat;
      try {
        stat = parseProcStat(text);
      } catch {
        continue;
      }
      const matches = pattern !== undefined && !excluded.has(pid) &&
        pattern.test(commandOf(stat, commands));
      const joins = roots.has(pid) || matches ||
        (includeChildren && state.members.has(stat.ppid));
      if (joins && isProcess(pid)) state.members.add(pid);
      else if (pattern !== undefined) undecided.push(pid);
    }
    return undecided;
  }

  async function members(target: MemoryTarget, includeChildren: boolean): Promise<number[]> {
    const key = JSON.stringify([
      target.pids ?? [],
      target.namePattern?.source ?? null,
      target.namePattern?.flags ?? null,
      includeChildren,
      target.excludePids ?? [],
    ]);
    const last = parseLastPid(readOften(`${procDir}/loadavg`));
    const now = performance.now();
    let state = trees.get(key);
    const stale = !state || last === null || state.lastPid === null || last < state.lastPid ||
      last - state.lastPid > maxNewPids ||
      (target.namePattern !== undefined && now - state.scannedAt >= patternRescanMs);
    if (stale) {
      const pids = processTree(await scan(target.namePattern !== undefined), target, {
        includeChildren,
        excludePids: target.excludePids,
      });
      state = { members: new Set(pids), lastPid: last, scannedAt: now, recheck: [] };
      trees.set(key, state);
    } else {
      const s = state!;
      const fresh: number[] = [];
      for (let pid = s.lastPid! + 1; pid <= last!; pid++) {
        // A new pid that was a member belongs to a new process now: its old one exited.
        s.members.delete(pid);
        fresh.push(pid);
      }
      const again = s.recheck.filter((pid) => !s.members.has(pid));
      s.recheck = examine(s, target, includeChildren, [...again, ...fresh]).filter((pid) =>
        !again.includes(pid)
      );
      s.lastPid = last;
    }
    return [...state!.members].sort((a, b) => a - b);
  }

  return {
    platform: "linux",
    async read(target: MemoryTarget) {
      const includeChildren = target.includeChildren ?? true;
      const tree = !includeChildren && !target.namePattern
        ? null
        : await members(target, includeChildren);
      const candidates = tree ?? [...new Set(target.pids ?? [])].sort((a, b) => a - b);
      const pids: number[] = [];
      let pages = 0;
      for (const pid of candidates) {
        const path = `${procDir}/${pid}/statm`;
        const text = readOften(path);
        const resident = text === null ? null : statmResidentPages(text);
        if (resident === null) {
          // Gone (or not a statm line): not a member any more.
          kept?.close(path);
          if (tree) forget(pid);
          continue;
        }
        pages += resident;
        pids.push(pid);
      }
      const meminfo = readOften(`${procDir}/meminfo`);
      if (meminfo === null) {
        throw new MemoryReadError(
          `Cannot read system memory: '${procDir}/meminfo' is not readable: current procDir is '${procDir}'`,
        );
      }
      return {
        pids,
        rss_bytes: pids.length > 0 ? pages * pageSize : null,
        footprint_bytes: null,
        system_used_bytes: parseMeminfo(meminfo).used_bytes,
      };
    },
    close(): void {
      kept?.closeAll();
      trees.clear();
    },
  };

  function forget(pid: number): void {
    for (const state of trees.values()) state.members.delete(pid);
  }
}
