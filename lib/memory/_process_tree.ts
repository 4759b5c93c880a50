/** The fields of a process row that {@linkcode processTree} needs. */
export interface ProcessLink {
  /** Process id. */
  pid: number;
  /** Parent process id; null when unknown. */
  ppid: number | null;
  /** Command line (or name) matched against a name pattern; null or absent never matches. */
  command?: string | null;
}

/** Roots of a process tree: by pid, by command pattern, or both. */
export interface ProcessRoots {
  /** Root pids. */
  pids?: readonly number[];
  /** Processes whose command matches are roots. */
  namePattern?: RegExp;
}

/** Options of {@linkcode processTree}. */
export interface ProcessTreeOptions {
  /** Include every descendant of the roots. @default true */
  includeChildren?: boolean;
  /** Pids never taken as roots by `namePattern` (e.g. the harness, whose arguments may name the backend). @default [] */
  excludePids?: readonly number[];
}

/**
 * Processes whose command is LM Studio's: the `LM Studio` app and its `LM Studio Helper`s on
 * macOS, `~/.lmstudio/.internal/utils/node` workers, the `lms` CLI under `~/.lmstudio/bin`, and
 * the headless `llmster` daemon.
 */
export const LM_STUDIO_PROCESS_PATTERN: RegExp = /LM Studio|lmstudio|\.lmstudio\/|llmster/i;

/**
 * The pids of a process tree, ascending: the roots present in `rows` (given by pid, or whose
 * command matches a pattern) and, unless `includeChildren` is false, all their descendants
 * through ppid links. A root pid absent from `rows` is not running and is left out, though rows
 * that still name it as parent are followed. Cycles in the links (pid 0 on macOS is its own
 * parent) are harmless.
 *
 * @example
 * ```ts
 * import { processTree } from "./mod.ts";
 * const rows = [{ pid: 1, ppid: 0 }, { pid: 5, ppid: 1 }, { pid: 9, ppid: 5 }];
 * if (processTree(rows, [5]).join() !== "5,9") throw new Error("unexpected");
 * ```
 */
export function processTree(
  rows: readonly ProcessLink[],
  roots: readonly number[] | RegExp | ProcessRoots,
  options: ProcessTreeOptions = {},
): number[] {
  const { pids = [], namePattern } = Array.isArray(roots)
    ? { pids: roots as readonly number[] }
    : roots instanceof RegExp
    ? { namePattern: roots }
    : roots as ProcessRoots;
  const excluded = new Set(options.excludePids ?? []);
  const pattern = namePattern &&
    new RegExp(namePattern.source, namePattern.flags.replace(/[gy]/g, ""));
  const present = new Set(rows.map((row) => row.pid));
  const members = new Set<number>();
  for (const pid of pids) if (present.has(pid)) members.add(pid);
  if (pattern) {
    for (const row of rows) {
      if (!excluded.has(row.pid) && row.command != null && pattern.test(row.command)) {
        members.add(row.pid);
      }
    }
  }
  if (options.includeChildren ?? true) {
    const children = new Map<number, number[]>();
    for (const row of rows) {
      if (row.ppid === null || row.ppid === row.pid) continue;
      const list = children.get(row.ppid);
      if (list) list.push(row.pid);
      else children.set(row.ppid, [row.pid]);
    }
    const queue = [...members, ...pids.filter((pid) => !present.has(pid))];
    const seen = new Set(queue);
    while (queue.length > 0) {
      for (const child of children.get(queue.pop()!) ?? []) {
        members.add(child);
        if (!seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
  }
  return [...members].sort((a, b) => a - b);
}
