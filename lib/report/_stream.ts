/**
 * Streaming JSONL reading for large results folders: the file is read in chunks of whole lines,
 * each chunk validated by lib/results' `parseJsonl` (same schema, same warnings), so memory holds
 * one chunk of parsed records at a time, never the whole file.
 * @module
 */
import { z } from "zod";
import { type JsonlWarning, parseJsonl } from "../results/mod.ts";

const WRAP = /\{"__line":\d+,"__record":/;

/** Options for {@linkcode streamJsonl}. */
export interface StreamJsonlOptions {
  /** Lines per validated chunk. @default 8192 */
  chunkLines?: number;
  /** Called once per skipped line (line numbers are the file's, 1-based). @default collects only */
  onWarning?: (warning: JsonlWarning) => void;
}

/**
 * Read `path` line by line, validate every line with `schema` and hand each chunk of valid
 * records (with their 1-based line numbers) to `onRecords`. Returns the warnings.
 */
export async function streamJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  onRecords: (records: z.output<S>[], lines: number[]) => void,
  options: StreamJsonlOptions = {},
): Promise<JsonlWarning[]> {
  const chunkLines = options.chunkLines ?? 8192;
  const warnings: JsonlWarning[] = [];
  // parseJsonl does not return line numbers of good records: tag each line with its number.
  const tagged = z.object({ __line: z.number(), __record: schema });
  let pending: string[] = [];
  let firstLine = 1; // file line number of pending[0]
  const flush = (final: boolean, endsClean: boolean) => {
    if (pending.length === 0) return;
    const offset = firstLine - 1;
    let text = "";
    for (let i = 0; i < pending.length; i++) {
      const raw = pending[i];
      const line = raw.trim();
      // Wrap valid JSON objects so the line number survives validation; keep the rest verbatim
      // so parseJsonl reports them (bad JSON, truncated last line) as it always does.
      if (line.startsWith("{") && line.endsWith("}")) {
        text += `{"__line":${offset + i + 1},"__record":${line}}`;
      } else text += raw;
      if (i < pending.length - 1 || !final || endsClean) text += "\n";
    }
    const { records } = parseJsonl(text, tagged, path, {
      onWarning: (w) => {
        const warning = {
          file: path,
          line: w.line + offset,
          message: w.message.replace(WRAP, "").replace("'__record.", "'").replace(
            "'__record'",
            "'(root)'",
          ),
        };
        warnings.push(warning);
        options.onWarning?.(warning);
      },
    });
    const rows = records as unknown as { __line: number; __record: z.output<S> }[];
    onRecords(rows.map((r) => r.__record), rows.map((r) => r.__line));
    firstLine += pending.length;
    pending = [];
  };

  const file = await Deno.open(path, { read: true });
  try {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(1 << 20);
    let carry = "";
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      const parts = (carry + decoder.decode(buffer.subarray(0, n), { stream: true })).split("\n");
      carry = parts.pop() ?? "";
      for (const part of parts) {
        pending.push(part);
        if (pending.length >= chunkLines) flush(false, true);
      }
    }
    carry += decoder.decode();
    if (carry.length > 0) pending.push(carry);
    flush(true, carry.length === 0);
  } finally {
    file.close();
  }
  return warnings;
}
