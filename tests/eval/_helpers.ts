import { join } from "node:path";
import type { ResolveDatasetOptions } from "../../lib/datasets/mod.ts";
import { DATA_DIR, ROOT } from "../helpers/mod.ts";

export { ROOT };

/** Datasets from the shipped data/datasets only: no environment, no cache, no network. */
export const LOCAL_DATA: ResolveDatasetOptions = {
  dataDir: DATA_DIR,
  env: () => undefined,
  download: false,
};

/** The process environment (models resolve from the shipped data/models by default). */
export function testEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/** A stand-in for environment capture (it runs commands and takes seconds). */
export function noEnvironment(): Promise<Record<string, unknown>> {
  return Promise.resolve({ git: { commit: null }, note: "not captured in tests" });
}

/** Run `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "edge-bench-eval-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Parsed JSON lines of a file (every line must parse). */
export async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim() !== "").map((l) =>
    JSON.parse(l)
  );
}

/** The corpus of real model answers with the labels a reader gave them (SOURCE.md beside it). */
export const REAL_OUTPUTS: string = join(
  ROOT,
  "tests",
  "fixtures",
  "real_outputs",
  "answers.jsonl",
);
