/**
 * Worker thread of {@linkcode PerfReaderPool}: reads the perf file it is sent into blocks and posts
 * each block (its arrays transferred), then the file's result.
 * @module
 */
/// <reference lib="deno.worker" />
import { blockBuffers } from "./_perf_collect.ts";
import { readPerfFile } from "./_perf_read.ts";

self.onmessage = async (e: MessageEvent<{ id: number; path: string; chunkLines?: number }>) => {
  const { id, path, chunkLines } = e.data;
  let blocks = 0;
  const result = await readPerfFile(path, (block) => {
    self.postMessage({ id, type: "block", block }, blockBuffers(block));
    // The parsed records of two blocks are garbage: collect them, so the worker's heap stays
    // small (where the process allows it: --expose-gc, as every `deno task` runs).
    if (++blocks % 2 === 0) (globalThis as { gc?: () => void }).gc?.();
  }, chunkLines);
  self.postMessage({ id, type: "done", result });
};
