/**
 * Streaming JSONL reading for large results folders: the file is read in 1 MiB pieces and split
 * into lines as it comes, each line parsed once and validated by the schema compiled into a plain
 * predicate ({@linkcode fastCheck}); zod itself runs only on the lines the predicate does not vouch
 * for, so a bad line gets exactly the warning `parseJsonl` gives (file and line), and memory holds
 * one chunk of records at a time, never the whole file.
 * @module
 */
import type { z } from "zod";
import { fastCheck } from "../results/_fast_check.ts";
import type { JsonlWarning } from "../results/_jsonl.ts";
import { fillNulls } from "./_legacy.ts";

/** Options for {@linkcode streamJsonl}. */
export interface StreamJsonlOptions {
  /** Records per chunk handed to `onRecords`. @default 8192 */
  chunkLines?: number;
  /** Called once per skipped line (line numbers are the file's, 1-based). @default collects only */
  onWarning?: (warning: JsonlWarning) => void;
  /**
   * Fields an older record may lack, read as null (see `nullableKeys`), with `filled` counting
   * per field how many records needed it.
   */
  nullable?: { keys: readonly string[]; filled: Map<string, number> };
}

/**
 * Read `path` line by line, validate every line with `schema` and hand each chunk of valid
 * records (with their 1-based line numbers) to `onRecords`. Returns the warnings: a line that is
 * not JSON, a record that does not match the schema (at which field, zod's message), and a
 * truncated last line (interrupted write), as `parseJsonl` words them.
 */
export async function streamJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  onRecords: (records: z.output<S>[], lines: number[]) => void,
  options: StreamJsonlOptions = {},
): Promise<JsonlWarning[]> {
  const chunkLines = options.chunkLines ?? 256;
  const check = fastCheck(schema);
  const warnings: JsonlWarning[] = [];
  const warn = (line: number, message: string) => {
    const w = { file: path, line, message };
    warnings.push(w);
    options.onWarning?.(w);
  };
  let records: z.output<S>[] = [];
  let lines: number[] = [];
  let lineNo = 0;
  const take = (raw: string, last: boolean) => {
    lineNo++;
    let data: unknown;
    try {
      // JSON.parse skips the whitespace around a value itself: no trimmed copy of every line.
      data = JSON.parse(raw);
    } catch {
      // Blank, or with whitespace JSON does not know (a byte-order mark, a no-break space).
      const line = raw.trim();
      if (line === "") return;
      try {
        if (line === raw) throw new SyntaxError("not JSON");
        data = JSON.parse(line);
      } catch {
        warn(
          lineNo,
          last
            ? "truncated last line (interrupted write), skipped"
            : `not valid JSON, skipped: ${line.slice(0, 80)}`,
        );
        return;
      }
    }
    if (options.nullable && typeof data === "object" && data !== null && !Array.isArray(data)) {
      fillNulls(data as Record<string, unknown>, options.nullable.keys, options.nullable.filled);
    }
    if (!check(data)) {
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        warn(
          lineNo,
          `record does not match its schema at '${issue.path.join(".")}': ${issue.message}`,
        );
        return;
      }
      data = parsed.data;
    }
    records.push(data as z.output<S>);
    lines.push(lineNo);
    if (records.length >= chunkLines) {
      onRecords(records, lines);
      records = [];
      lines = [];
    }
  };

  const file = await Deno.open(path, { read: true });
  try {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(1 << 20);
    let carry = "";
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      const text = carry + decoder.decode(buffer.subarray(0, n), { stream: true });
      let from = 0;
      for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", from)) {
        take(text.slice(from, at), false);
        from = at + 1;
      }
      carry = text.slice(from);
    }
    carry += decoder.decode();
    // A last line without its newline was cut by an interrupted write.
    if (carry.length > 0) take(carry, true);
    if (records.length) onRecords(records, lines);
  } finally {
    file.close();
  }
  return warnings;
}
