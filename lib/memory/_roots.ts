/**
 * Which process trees a command pattern picks: before measuring a served model, a pattern must
 * name one server, not add up unrelated processes that happen to match. @module
 */
import { runCommand } from "./_command.ts";
import type { ProcessLink } from "./_process_tree.ts";
import { parsePsTable } from "./_ps_table.ts";
import { parseProcStat } from "./_proc_stat.ts";
import { readProcFile } from "./_reader_linux.ts";
import type { CommandRunner } from "./_types.ts";

/** A process whose command matches, with no matching ancestor: the root of one tree. */
export interface MatchedRoot {
  pid: number;
  command: string;
}

/** Options for {@linkcode listProcesses}. */
export interface ListProcessesOptions {
  /** @default Deno.build.os */
  platform?: string;
  /** @default "/proc" */
  procDir?: string;
  /** Runs `ps` on macOS. @default runCommand */
  run?: CommandRunner;
}

/** Every process with its parent and full command line (Linux /proc, macOS `ps`). */
export async function listProcesses(options: ListProcessesOptions = {}): Promise<ProcessLink[]> {
  const platform = options.platform ?? Deno.build.os;
  if (platform === "darwin") {
    const out = await (options.run ?? runCommand)("ps", ["-ax", "-o", "pid=,ppid=,command="]);
    return parsePsTable(out, ["pid", "ppid", "command"]).map((r) => ({
      pid: r.pid,
      ppid: r.ppid ?? null,
      command: r.command ?? null,
    }));
  }
  const procDir = options.procDir ?? "/proc";
  const rows: ProcessLink[] = [];
  for (const entry of Deno.readDirSync(procDir)) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readProcFile(`${procDir}/${entry.name}/stat`);
    if (stat === null) continue;
    try {
      const s = parseProcStat(stat);
      const cmdline = readProcFile(`${procDir}/${entry.name}/cmdline`);
      rows.push({
        pid: s.pid,
        ppid: s.ppid,
        command: cmdline?.replaceAll("\0", " ").trim() || `[${s.comm}]`,
      });
    } catch {
      // Gone while reading.
    }
  }
  return rows;
}

/**
 * The roots of the trees a pattern matches: matching processes none of whose ancestors match
 * (a server and its workers are one tree; two servers are two), ascending by pid.
 */
export function matchedRoots(
  rows: readonly ProcessLink[],
  pattern: RegExp,
  excludePids: readonly number[] = [],
): MatchedRoot[] {
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const excluded = new Set(excludePids);
  const matches = rows.filter((r) =>
    !excluded.has(r.pid) && r.command != null && re.test(r.command)
  );
  const matching = new Set(matches.map((r) => r.pid));
  const roots: MatchedRoot[] = [];
  for (const r of matches) {
    let parent = r.ppid;
    let nested = false;
    const seen = new Set<number>([r.pid]);
    while (parent !== null && !seen.has(parent)) {
      if (matching.has(parent)) {
        nested = true;
        break;
      }
      seen.add(parent);
      parent = byPid.get(parent)?.ppid ?? null;
    }
    if (!nested) roots.push({ pid: r.pid, command: r.command! });
  }
  return roots.sort((a, b) => a.pid - b.pid);
}
