import type { z } from "zod";
import { ResultsWriteError } from "./_write.ts";

/** A skipped line of a results file (bad JSON, truncated write, or a record failing its schema). */
export interface JsonlWarning {
  file: string;
  line: number;
  message: string;
}

/** Appends one JSON object per line and flushes each to disk before returning. */
export class JsonlWriter {
  readonly path: string;
  #file: Deno.FsFile;
  #encoder = new TextEncoder();
  #tail: Promise<void> = Promise.resolve();

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Open (create or append). When the file ends in a partial line (a crash mid-write), a newline
   * is written first so the partial line stays isolated and the reader skips it with a warning.
   */
  static async open(path: string): Promise<JsonlWriter> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { create: true, append: true, read: true });
    } catch (error) {
      throw new ResultsWriteError(path, "opening it for appending records", error);
    }
    const size = (await file.stat()).size;
    if (size > 0) {
      const last = new Uint8Array(1);
      const reader = await Deno.open(path, { read: true });
      try {
        await reader.seek(size - 1, Deno.SeekMode.Start);
        await reader.read(last);
      } finally {
        reader.close();
      }
      if (last[0] !== 0x0a) await writeAll(file, new TextEncoder().encode("\n"));
    }
    return new JsonlWriter(path, file);
  }

  /**
   * Append one record as a single write, then fdatasync; concurrent calls are serialised. A
   * failed write is a ResultsWriteError naming the file.
   */
  append(record: unknown): Promise<void> {
    const bytes = this.#encoder.encode(JSON.stringify(record) + "\n");
    const done = this.#tail.then(async () => {
      try {
        await writeAll(this.#file, bytes);
        await this.#file.syncData();
      } catch (error) {
        throw new ResultsWriteError(this.path, "appending a record", error);
      }
    });
    this.#tail = done.catch(() => {});
    return done;
  }

  /** Close the file. */
  close(): void {
    this.#file.close();
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/** Options for {@linkcode readJsonl}. */
export interface ReadJsonlOptions {
  /** Called once per skipped line. @default collects only */
  onWarning?: (warning: JsonlWarning) => void;
}

/** Records read from a JSONL file, plus what was skipped and why. */
export interface JsonlContent<T> {
  records: T[];
  warnings: JsonlWarning[];
}

/**
 * Read a JSONL file, validating each line; bad lines are skipped with a warning naming file and
 * line (a truncated last line is expected after a crash and never fatal).
 */
export async function readJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  options: ReadJsonlOptions = {},
): Promise<JsonlContent<z.output<S>>> {
  const text = await Deno.readTextFile(path);
  return parseJsonl(text, schema, path, options);
}

/** The pure part of {@linkcode readJsonl}. */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
  options: ReadJsonlOptions = {},
): JsonlContent<z.output<S>> {
  const records: z.output<S>[] = [];
  const warnings: JsonlWarning[] = [];
  const warn = (line: number, message: string) => {
    const w = { file, line, message };
    warnings.push(w);
    options.onWarning?.(w);
  };
  const lines = text.split("\n");
  const endsClean = text.endsWith("\n") || text.length === 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const isLast = i === lines.length - 1;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      warn(
        i + 1,
        isLast && !endsClean
          ? "truncated last line (interrupted write), skipped"
          : `not valid JSON, skipped: ${line.slice(0, 80)}`,
      );
      return;
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      warn(
        i + 1,
        `record does not match its schema at '${issue.path.join(".")}': ${issue.message}`,
      );
      return;
    }
    records.push(parsed.data);
  });
  return { records, warnings };
}
