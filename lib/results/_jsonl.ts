import type { z } from "zod";
import { ResultsWriteError } from "./_write.ts";

/** A skipped line of a results file (bad JSON, truncated write, or a record failing its schema). */
export interface JsonlWarning {
  file: string;
  line: number;
  message: string;
}

/** Options for {@linkcode JsonlWriter.open}. */
export interface JsonlWriterOptions {
  /**
   * fdatasync after this many records; 1: after each, before `append` resolves. With more, a
   * record is written (to the kernel: it survives the death of this process) before `append`
   * resolves, and reaches the disk with the next sync. @default 1
   */
  syncEvery?: number;
  /** With `syncEvery` > 1: a written record is synced at the latest this long after. @default 1000 */
  syncIntervalMs?: number;
}

/**
 * Appends one JSON object per line, each as one write to a file opened for appending (a killed
 * process leaves whole lines, at most a torn last one), and syncs it to disk: after every record by
 * default, or once per `syncEvery` records or `syncIntervalMs`, and on `close()`.
 */
export class JsonlWriter {
  readonly path: string;
  #file: Deno.FsFile;
  #encoder = new TextEncoder();
  #syncEvery: number;
  #syncIntervalMs: number;
  #unsynced = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #syncing: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #closed = false;

  private constructor(path: string, file: Deno.FsFile, options: JsonlWriterOptions) {
    this.path = path;
    this.#file = file;
    this.#syncEvery = options.syncEvery ?? 1;
    this.#syncIntervalMs = options.syncIntervalMs ?? 1000;
    if (!Number.isInteger(this.#syncEvery) || this.#syncEvery < 1) {
      throw new RangeError(
        `JsonlWriter syncEvery must be a positive integer: current value is ${this.#syncEvery}`,
      );
    }
  }

  /**
   * Open (create or append). When the file ends in a partial line (a crash mid-write), a newline
   * is written first so the partial line stays isolated and the reader skips it with a warning.
   */
  static async open(path: string, options: JsonlWriterOptions = {}): Promise<JsonlWriter> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { create: true, append: true, read: true });
    } catch (error) {
      throw new ResultsWriteError(path, "opening it for appending records", error);
    }
    try {
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
        if (last[0] !== 0x0a) writeAllSync(file, new TextEncoder().encode("\n"));
      }
      return new JsonlWriter(path, file, options);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * Append one record as a single write; resolves once it is synced (`syncEvery` 1) or written
   * (batched syncs). Rejects when the write, or an earlier batched sync, failed.
   */
  append(record: unknown): Promise<void> {
    try {
      if (this.#failure !== null) throw this.#failure;
      if (this.#closed) throw new Error(`Cannot append to ${this.path}: the writer is closed`);
      writeAllSync(this.#file, this.#encoder.encode(JSON.stringify(record) + "\n"));
    } catch (error) {
      return Promise.reject(
        error instanceof ResultsWriteError
          ? error
          : new ResultsWriteError(this.path, "appending a record", error),
      );
    }
    this.#unsynced++;
    if (this.#unsynced >= this.#syncEvery) return this.#sync();
    if (this.#timer === null) {
      const timer = setTimeout(() => {
        this.#timer = null;
        this.#sync().catch(() => {});
      }, this.#syncIntervalMs);
      Deno.unrefTimer(timer as unknown as number);
      this.#timer = timer;
    }
    return Promise.resolve();
  }

  /** fdatasync what was written; a failure is kept and reported by the next append or close. */
  #sync(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#unsynced = 0;
    const done = this.#syncing.then(() => this.#file.syncData()).catch((error) => {
      throw new ResultsWriteError(this.path, "syncing records to disk", error);
    });
    this.#syncing = done.catch((error) => {
      this.#failure ??= error;
    });
    return done;
  }

  /** Sync what is not synced yet, then close the file. Throws a failed (batched) sync's error. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    try {
      if (this.#unsynced > 0 && this.#failure === null) this.#file.syncDataSync();
    } catch (error) {
      this.#failure ??= new ResultsWriteError(this.path, "syncing records to disk", error);
    } finally {
      this.#file.close();
    }
    if (this.#failure !== null) throw this.#failure;
  }
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
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
