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
  const result = await readPerfFile(path, (block) => {
    self.postMessage({ id, type: "block", block }, blockBuffers(block));
  }, chunkLines);
  self.postMessage({ id, type: "done", result });
};
