import { runCommand } from "./_command.ts";
import { parseFootprint } from "./_footprint.ts";
import { processTree } from "./_process_tree.ts";
import { parsePsTable } from "./_ps_table.ts";
import type { CommandRunner, MemoryReader, MemoryTarget } from "./_types.ts";
import { parseVmStat } from "./_vm_stat.ts";

/** Options of {@linkcode createDarwinReader}. */
export interface DarwinReaderOptions {
  /** Runs `ps`, `vm_stat` and `footprint`. @default runCommand (Deno.Command) */
  run?: CommandRunner;
  /** Read each member's physical footprint with `footprint -p PID`. @default true */
  footprint?: boolean;
}

/** Columns asked of macOS `ps`: `ps -ax -o pid=,ppid=,rss=,command=` (rss in KiB, no header). */
export const DARWIN_PS_ARGS: readonly string[] = ["-ax", "-o", "pid=,ppid=,rss=,command="];
const PS_COLUMNS = ["pid", "ppid", "rss", "command"];

/**
 * A reader for macOS. Each read runs `ps -ax -o pid=,ppid=,rss=,command=` and `vm_stat`
 * concurrently, takes the tree's members from the ps rows and sums their RSS; then, unless
 * disabled, runs `footprint -p PID` for every member concurrently and sums their footprints. A pid
 * whose footprint cannot be read (not permitted, or gone) is remembered and never asked again; a
 * tree holding such a pid has a null footprint, since a partial sum would understate it. When the
 * `footprint` command does not exist, footprints are no longer attempted. System used memory is
 * `parseVmStat(...).used_bytes`.
 */
export function createDarwinReader(options: DarwinReaderOptions = {}): MemoryReader {
  const run = options.run ?? runCommand;
  let footprintEnabled = options.footprint ?? true;
  const unreadable = new Set<number>();

  async function footprintOf(pid: number): Promise<number | null> {
    try {
      const report = parseFootprint(await run("footprint", ["-p", String(pid)]));
      return report.phys_footprint_bytes ?? report.footprint_bytes;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) footprintEnabled = false;
      else unreadable.add(pid);
      return null;
    }
  }

  async function treeFootprint(pids: number[]): Promise<number | null> {
    if (!footprintEnabled || pids.length === 0 || pids.some((pid) => unreadable.has(pid))) {
      return null;
    }
    const values = await Promise.all(pids.map(footprintOf));
    let total = 0;
    for (const value of values) {
      if (value === null) return null;
      total += value;
    }
    return total;
  }

  return {
    platform: "darwin",
    async read(target: MemoryTarget) {
      const [psText, vmStatText] = await Promise.all([
        run("ps", [...DARWIN_PS_ARGS]),
        run("vm_stat", []),
      ]);
      const rows = parsePsTable(psText, PS_COLUMNS);
      const pids = processTree(rows, target, {
        includeChildren: target.includeChildren ?? true,
        excludePids: target.excludePids,
      });
      const rssByPid = new Map(rows.map((row) => [row.pid, row.rss_bytes ?? 0]));
      const rss = pids.reduce((sum, pid) => sum + (rssByPid.get(pid) ?? 0), 0);
      return {
        pids,
        rss_bytes: pids.length > 0 ? rss : null,
        footprint_bytes: await treeFootprint(pids),
        system_used_bytes: parseVmStat(vmStatText).used_bytes,
      };
    },
  };
}
