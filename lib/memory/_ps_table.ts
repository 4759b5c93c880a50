import { excerpt, MemoryParseError } from "./_errors.ts";

/** One process row of a `ps` table. */
export interface PsRow {
  /** Process id. */
  pid: number;
  /** Parent process id; null when the table has no ppid column. */
  ppid: number | null;
  /** Resident set size in bytes (ps prints KiB); null when there is no rss column or it is not a number. */
  rss_bytes: number | null;
  /** Command (with arguments for `command`/`args`/`cmd`); null when there is no command column. */
  command: string | null;
  /** Every column's raw text, keyed by the normalised column name. */
  fields: Record<string, string>;
}

const ALIASES: Record<string, string> = {
  cmd: "command",
  args: "command",
  comm: "command",
  ucomm: "command",
  rssize: "rss",
  rsz: "rss",
};

/** `"PID="` → `"pid"`, `"args"` → `"command"`. */
function normaliseColumn(column: string): string {
  const name = column.trim().replace(/=.*$/, "").toLowerCase();
  return ALIASES[name] ?? name;
}

const INTEGER = /^\d+$/;

/**
 * Parses a `ps` table such as macOS `ps -ax -o pid=,ppid=,rss=,command=` or Linux `ps -eo
 * uid,pid,ppid,cmd`. `columns` names the columns in order (`pid=` style suffixes and the aliases
 * `cmd`/`args`/`comm` for `command`, `rsz`/`rssize` for `rss` are accepted). Columns are separated
 * by runs of blanks; the last column takes the rest of the line, so the command keeps its spaces.
 * A first line whose pid field is not an integer is a header and is skipped; blank lines are
 * skipped. RSS is read as KiB, as ps prints it.
 *
 * @throws {RangeError} when `columns` has no `pid` column.
 * @throws {MemoryParseError} when a row has fewer fields than columns or a non-integer pid.
 * @example
 * ```ts
 * import { parsePsTable } from "./mod.ts";
 * const [row] = parsePsTable("  42     1   2048 /usr/bin/node server.js\n", ["pid", "ppid", "rss", "command"]);
 * if (row.rss_bytes !== 2048 * 1024 || row.command !== "/usr/bin/node server.js") throw new Error("unexpected");
 * ```
 */
export function parsePsTable(text: string, columns: readonly string[]): PsRow[] {
  const names = columns.map(normaliseColumn);
  const pidIndex = names.indexOf("pid");
  if (pidIndex < 0) {
    throw new RangeError(
      `Cannot parse a ps table without a 'pid' column: current columns are ${
        JSON.stringify(columns)
      }`,
    );
  }
  const rows: PsRow[] = [];
  const lines = text.split(/\r?\n/);
  let seenContent = false;
  for (let lineNo = 0; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    if (line.trim() === "") continue;
    const first = !seenContent;
    seenContent = true;
    const fields = splitFields(line, names.length);
    if (first && (fields === null || !INTEGER.test(fields[pidIndex]))) continue; // header
    if (fields === null) {
      throw new MemoryParseError(
        `Cannot parse ps row ${lineNo + 1}: expected ${names.length} columns (${
          names.join(", ")
        }): current value is '${excerpt(line)}'`,
      );
    }
    if (!INTEGER.test(fields[pidIndex])) {
      throw new MemoryParseError(
        `Cannot parse ps row ${lineNo + 1}: pid must be an integer: current value is '${
          fields[pidIndex]
        }'`,
      );
    }
    const record: Record<string, string> = {};
    names.forEach((name, i) => record[name] = fields[i]);
    rows.push({
      pid: Number(fields[pidIndex]),
      ppid: integerOrNull(record.ppid),
      rss_bytes: record.rss === undefined || integerOrNull(record.rss) === null
        ? null
        : Number(record.rss) * 1024,
      command: record.command ?? null,
      fields: record,
    });
  }
  return rows;
}

/** Splits `line` into `count` blank-separated fields, the last one taking the rest; null if too few. */
function splitFields(line: string, count: number): string[] | null {
  const fields: string[] = [];
  let rest = line.replace(/^\s+/, "");
  for (let i = 0; i < count - 1; i++) {
    const match = /^(\S+)\s+/.exec(rest);
    if (!match) return null;
    fields.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  rest = rest.replace(/\s+$/, "");
  if (rest === "") return null;
  fields.push(rest);
  return fields;
}

function integerOrNull(value: string | undefined): number | null {
  return value !== undefined && INTEGER.test(value) ? Number(value) : null;
}
