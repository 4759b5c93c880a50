/**
 * Worker thread of {@linkcode PerfReaderPool}: reads the piece of a perf file it is sent into
 * blocks and posts each block (its arrays transferred), then the piece's result.
 * @module
 */
/// <reference lib="deno.worker" />
import { BLOCK, blockBuffers } from "./_perf_collect.ts";
import { type ByteRange, readPerfFile } from "./_perf_read.ts";

/** Rows posted since the last collection (over pieces: a piece is often less than a block). */
let sinceCollected = 0;

type Job = { id: number; path: string; chunkLines?: number; range?: ByteRange };

/** Pieces are read one after the other, in the order sent (the pool sends the next one early). */
let queue: Promise<void> = Promise.resolve();

self.onmessage = (e: MessageEvent<Job>) => {
  queue = queue.then(() => read(e.data));
};

async function read({ id, path, chunkLines, range }: Job): Promise<void> {
  const result = await readPerfFile(
    path,
    (block) => {
      self.postMessage({ id, type: "block", block }, blockBuffers(block));
      // The records parsed for two blocks' worth of rows are garbage: collect them, so the
      // worker's heap stays small (where the process allows it: --expose-gc, as every
      // `deno task` runs).
      sinceCollected += block.n;
      if (sinceCollected >= 2 * BLOCK) {
        sinceCollected = 0;
        (globalThis as { gc?: () => void }).gc?.();
      }
    },
    chunkLines,
    range,
  );
  self.postMessage({ id, type: "done", result });
}
