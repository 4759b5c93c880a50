/**
 * Streaming JSONL reading for large results folders: the file (or a byte range of it) is read 64
 * KiB at a time and split into lines as it comes, each line parsed once and validated by the
 * schema compiled into a plain predicate ({@linkcode fastCheck}); zod itself runs only on the
 * lines the predicate does not vouch for, so a bad line gets exactly the warning `parseJsonl`
 * gives (file and line), and memory holds one chunk of records at a time, never the whole file.
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
  /**
   * Read only the lines that start in bytes [start, end) of the file (`end` may be Infinity: to
   * its end); line numbers then count from the piece's first line. @default the whole file
   */
  range?: { start: number; end: number };
  /** Called at the end with the number of lines read (blank and bad ones included). */
  onLines?: (lines: number) => void;
}

/** Bytes read at a time (more for a longer line). */
const READ_BYTES = 1 << 20;

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

  const start = options.range?.start ?? 0;
  const end = options.range?.end ?? Infinity;
  const file = await Deno.open(path, { read: true });
  try {
    // Bytes are split into lines before decoding (a UTF-8 character never holds a newline byte),
    // so only whole lines are decoded and a piece of the file can start and end at any byte.
    const decoder = new TextDecoder();
    let buffer = new Uint8Array(READ_BYTES);
    let have = 0; // bytes held in buffer[0, have)
    let at = start; // the file offset of buffer[0]
    // A piece after the first starts one byte early: the line before it ends at the first newline.
    let skipping = start > 0;
    if (skipping) {
      at = start - 1;
      await file.seek(at, Deno.SeekMode.Start);
    }
    let done = false;
    const takeLines = (upTo: number) => {
      // buffer[0, upTo) holds whole lines, each ended by its newline.
      const text = decoder.decode(buffer.subarray(0, upTo));
      let from = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
        take(text.slice(from, nl), false);
        from = nl + 1;
      }
    };
    const drop = (n: number) => {
      buffer.copyWithin(0, n, have);
      have -= n;
      at += n;
    };
    for (;;) {
      if (have === buffer.length) {
        // A line longer than the buffer: room for more of it.
        const bigger = new Uint8Array(buffer.length * 2);
        bigger.set(buffer);
        buffer = bigger;
      }
      const n = await file.read(buffer.subarray(have));
      if (n === null) break;
      have += n;
      if (skipping) {
        const nl = buffer.subarray(0, have).indexOf(10);
        if (nl < 0) {
          drop(have);
          continue;
        }
        drop(nl + 1);
        skipping = false;
        if (at >= end) {
          // The piece starts inside a line that runs past its end: none of its lines.
          done = true;
          break;
        }
      }
      // The piece's lines are those that start before its end: its last ends at the first
      // newline at or after its end's byte.
      if (at + have >= end) {
        const last = buffer.subarray(0, have).indexOf(10, Math.max(0, end - 1 - at));
        if (last >= 0) {
          takeLines(last + 1);
          done = true;
          break;
        }
      }
      const nl = buffer.subarray(0, have).lastIndexOf(10);
      if (nl >= 0) {
        takeLines(nl + 1);
        drop(nl + 1);
      }
    }
    // A last line without its newline was cut by an interrupted write (a piece that started
    // inside the file's last line holds none of it).
    if (!done && !skipping && have > 0) {
      take(decoder.decode(buffer.subarray(0, have)), true);
    }
    if (records.length) onRecords(records, lines);
  } finally {
    file.close();
  }
  options.onLines?.(lineNo);
  return warnings;
}
