/**
 * Reading perf files into blocks of columns, in this thread or in worker threads: a folder of
 * large perf files is parsed by up to one worker per core (JSON parsing is most of a report's
 * load), each worker handing back typed-array blocks (transferred, not copied). Results come back
 * in folder order, so the frame, its warnings and the progress events are the same either way.
 * @module
 */
import type { JsonlWarning } from "../results/_jsonl.ts";
import { PerfRecordSchema } from "../results/_perf_record.ts";
import { nullableKeys } from "./_legacy.ts";
import { type PerfBlock, PerfCollector } from "./_perf_collect.ts";
import { streamJsonl } from "./_stream.ts";

/** Perf fields an older record may lack, read as null (not measured). */
export const PERF_NULLABLE: readonly string[] = nullableKeys(PerfRecordSchema);

/** What reading one perf file gave (its blocks went to `onBlock` as they filled). */
export interface PerfFileResult {
  records: number;
  warnings: JsonlWarning[];
  /** Fields read as null in older records, and in how many. */
  filled: [string, number][];
  /** Set when the file could not be read to its end (the blocks before stay). */
  error: string | null;
  /** Lines read, blank and bad ones included (a piece's line numbers count from its first). */
  lines: number;
}

/** Lines that start in bytes [start, end) of a file (`end` Infinity: to the file's end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Read one perf file, or the lines of `range` in it, in this thread. */
export async function readPerfFile(
  path: string,
  onBlock: (block: PerfBlock) => void,
  chunkLines?: number,
  range?: ByteRange,
): Promise<PerfFileResult> {
  const filled = new Map<string, number>();
  let records = 0;
  let lineCount = 0;
  const collector = new PerfCollector(path, onBlock);
  let warnings: JsonlWarning[] = [];
  let error: string | null = null;
  try {
    warnings = await streamJsonl(path, PerfRecordSchema, (chunk, lines) => {
      collector.add(chunk, lines);
      records += chunk.length;
    }, {
      chunkLines,
      nullable: { keys: PERF_NULLABLE, filled },
      range,
      onLines: (n) => lineCount = n,
    });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  collector.finish();
  return { records, warnings, filled: [...filled], error, lines: lineCount };
}

type Message =
  | { id: number; type: "block"; block: PerfBlock }
  | { id: number; type: "done"; result: PerfFileResult };

/** A piece of a file being read (by a worker or here): its blocks as they come, then its result. */
interface Piece {
  id: number;
  path: string;
  range: ByteRange;
  blocks: PerfBlock[];
  result: PerfFileResult | null;
}

/** Bytes per piece a large file is cut into: 16 MiB, about 17,000 records of ~1 KB. */
export const PIECE_BYTES = 1 << 24;

/**
 * Reads perf files in `workers` worker threads and in this thread: `read(path, onBlock)` gives a
 * file's blocks in order and its result. Each file is cut into pieces of about
 * {@linkcode PIECE_BYTES} (at line boundaries, found by the reader), handed out in order, one at a
 * time per reader, this thread taking the next whenever it has finished one: so on 2 cores one
 * worker and this thread parse side by side and finish within a piece of each other (whole files
 * left one of them idle for half a file at the end). A piece's line numbers count from its first
 * line; `read` adds the lines of the pieces before it, so blocks, warnings and results are those
 * of one thread reading the file whole. `close()` ends the workers.
 */
export class PerfReaderPool {
  #workers: Worker[] = [];
  #pieces = new Map<string, Piece[]>();
  #byId: Piece[] = [];
  #queue: Piece[] = [];
  #wake: (() => void) | null = null;

  constructor(
    paths: readonly string[],
    workers: number,
    private readonly chunkLines?: number,
    pieceBytes = PIECE_BYTES,
  ) {
    for (const path of paths) {
      let size = 0;
      try {
        size = Deno.statSync(path).size;
      } catch {
        // Unreadable: one piece, whose reader reports the error.
      }
      const pieces: Piece[] = [];
      for (let start = 0; start === 0 || start < size; start += pieceBytes) {
        // The last piece reads to the end, wherever the file ends by then.
        const end = start + pieceBytes >= size ? Infinity : start + pieceBytes;
        const piece = {
          id: this.#byId.length,
          path,
          range: { start, end },
          blocks: [],
          result: null,
        };
        this.#byId.push(piece);
        pieces.push(piece);
      }
      this.#pieces.set(path, pieces);
    }
    this.#queue = [...this.#byId];
    for (let i = 0; i < Math.min(workers, this.#queue.length); i++) {
      const worker = new Worker(new URL("./_perf_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (e: MessageEvent<Message>) => this.#receive(worker, e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#failAll(`worker failed: ${e.message}`);
      };
      this.#workers.push(worker);
      // Two pieces at a time: the next is already in the worker's queue when it finishes one
      // (waiting for this thread to answer its "done" left it idle a quarter of the time).
      this.#next(worker);
      this.#next(worker);
    }
    this.#here = this.#parseHere();
  }

  #here: Promise<void>;
  #closed = false;
  #readHere = 0;

  /** Pieces this thread parsed itself (the rest went to the workers). */
  get piecesReadHere(): number {
    return this.#readHere;
  }

  /** Pieces in all. */
  get pieces(): number {
    return this.#byId.length;
  }

  /** This thread's reader: the next queued piece, parsed here between the other awaits. */
  async #parseHere(): Promise<void> {
    // The workers took their first pieces in the constructor; this thread takes the next ones.
    for (let piece = this.#queue.shift(); piece && !this.#closed; piece = this.#queue.shift()) {
      this.#readHere++;
      const result = await readPerfFile(
        piece.path,
        (block) => {
          piece.blocks.push(block);
          this.#wake?.();
        },
        this.chunkLines,
        piece.range,
      );
      piece.result ??= result;
      this.#wake?.();
    }
  }

  #next(worker: Worker): void {
    const piece = this.#queue.shift();
    if (piece) {
      worker.postMessage({
        id: piece.id,
        path: piece.path,
        chunkLines: this.chunkLines,
        range: piece.range,
      });
    }
  }

  #receive(worker: Worker, m: Message): void {
    const piece = this.#byId[m.id];
    if (m.type === "block") piece.blocks.push(m.block);
    else {
      piece.result = m.result;
      this.#next(worker);
    }
    this.#wake?.();
  }

  #failAll(message: string): void {
    for (const piece of this.#byId) {
      piece.result ??= { records: 0, warnings: [], filled: [], error: message, lines: 0 };
    }
    this.#wake?.();
  }

  /** Until a piece gets a block or its result. */
  async #wait(): Promise<void> {
    await new Promise<void>((resolve) => this.#wake = resolve);
    this.#wake = null;
  }

  /**
   * The blocks of `path` handed to `onBlock` in order as they arrive, then its result (a piece
   * that could not be read ends the file there, as one thread reading it would stop).
   */
  async read(path: string, onBlock: (block: PerfBlock) => void): Promise<PerfFileResult> {
    const pieces = this.#pieces.get(path);
    if (!pieces) throw new Error(`${path} is not one of the pool's files`);
    this.#pieces.delete(path);
    const total: PerfFileResult = { records: 0, warnings: [], filled: [], error: null, lines: 0 };
    const filled = new Map<string, number>();
    for (const piece of pieces) {
      const before = total.lines;
      for (;;) {
        while (piece.blocks.length) {
          const block = piece.blocks.shift()!;
          if (before > 0) { for (let i = 0; i < block.n; i++) block.line[i] += before; }
          onBlock(block);
        }
        if (piece.result) break;
        await this.#wait();
      }
      const r = piece.result;
      total.records += r.records;
      total.lines += r.lines;
      for (const w of r.warnings) total.warnings.push({ ...w, line: w.line + before });
      for (const [key, n] of r.filled) filled.set(key, (filled.get(key) ?? 0) + n);
      if (r.error !== null) {
        total.error = r.error;
        break;
      }
    }
    total.filled = [...filled];
    return total;
  }

  /** End the workers (this thread's reader stops after the piece it is reading). */
  close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    return this.#here;
  }
}
