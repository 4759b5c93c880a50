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
}

/** Read one perf file in this thread. */
export async function readPerfFile(
  path: string,
  onBlock: (block: PerfBlock) => void,
  chunkLines?: number,
): Promise<PerfFileResult> {
  const filled = new Map<string, number>();
  let records = 0;
  const collector = new PerfCollector(path, onBlock);
  let warnings: JsonlWarning[] = [];
  let error: string | null = null;
  try {
    warnings = await streamJsonl(path, PerfRecordSchema, (chunk, lines) => {
      collector.add(chunk, lines);
      records += chunk.length;
    }, { chunkLines, nullable: { keys: PERF_NULLABLE, filled } });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  collector.finish();
  return { records, warnings, filled: [...filled], error };
}

type Message =
  | { id: number; type: "block"; block: PerfBlock }
  | { id: number; type: "done"; result: PerfFileResult };

/** One file being read by a worker: its blocks as they come, then its result. */
interface Pending {
  blocks: PerfBlock[];
  result: PerfFileResult | null;
  wake: (() => void) | null;
}

/**
 * Reads perf files in `workers` worker threads and in this thread: `read(path, onBlock)` gives a
 * file's blocks in order and its result. Files are handed out in the order given, one at a time
 * per reader, this thread taking the next file whenever it has finished one (so on 2 cores, one
 * worker and this thread parse side by side, and one isolate's memory is saved); `close()` ends
 * the workers.
 */
export class PerfReaderPool {
  #workers: Worker[] = [];
  #pending = new Map<string, Pending>();
  #queue: { id: number; path: string }[] = [];
  #paths: string[] = [];

  constructor(paths: readonly string[], workers: number, private readonly chunkLines?: number) {
    this.#paths = [...paths];
    this.#queue = this.#paths.map((path, id) => ({ id, path }));
    for (const path of this.#paths) {
      this.#pending.set(path, { blocks: [], result: null, wake: null });
    }
    for (let i = 0; i < Math.min(workers, paths.length); i++) {
      const worker = new Worker(new URL("./_perf_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (e: MessageEvent<Message>) => this.#receive(worker, e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#failAll(`worker failed: ${e.message}`);
      };
      this.#workers.push(worker);
      this.#next(worker);
    }
    this.#here = this.#parseHere();
  }

  #here: Promise<void>;
  #closed = false;
  #readHere = 0;

  /** Files this thread parsed itself (the rest went to the workers). */
  get filesReadHere(): number {
    return this.#readHere;
  }

  /** This thread's reader: the next queued file, parsed here between the other awaits. */
  async #parseHere(): Promise<void> {
    // The workers took their first files in the constructor; this thread takes the next ones.
    for (let job = this.#queue.shift(); job && !this.#closed; job = this.#queue.shift()) {
      const p = this.#pending.get(job.path)!;
      this.#readHere++;
      const result = await readPerfFile(job.path, (block) => {
        p.blocks.push(block);
        p.wake?.();
      }, this.chunkLines);
      p.result ??= result;
      p.wake?.();
    }
  }

  #next(worker: Worker): void {
    const job = this.#queue.shift();
    if (job) worker.postMessage({ ...job, chunkLines: this.chunkLines });
  }

  #receive(worker: Worker, m: Message): void {
    const p = this.#pending.get(this.#paths[m.id])!;
    if (m.type === "block") p.blocks.push(m.block);
    else {
      p.result = m.result;
      this.#next(worker);
    }
    p.wake?.();
  }

  #failAll(message: string): void {
    for (const p of this.#pending.values()) {
      p.result ??= { records: 0, warnings: [], filled: [], error: message };
      p.wake?.();
    }
  }

  /** The blocks of `path` handed to `onBlock` in order as they arrive, then its result. */
  async read(path: string, onBlock: (block: PerfBlock) => void): Promise<PerfFileResult> {
    const p = this.#pending.get(path);
    if (!p) throw new Error(`${path} is not one of the pool's files`);
    for (;;) {
      while (p.blocks.length) onBlock(p.blocks.shift()!);
      if (p.result) {
        this.#pending.delete(path);
        return p.result;
      }
      await new Promise<void>((resolve) => p.wake = resolve);
      p.wake = null;
    }
  }

  /** End the workers (this thread's reader stops after the file it is reading). */
  close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    return this.#here;
  }
}
