import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolveDatasetOptions } from "../../lib/datasets/mod.ts";

/** The project root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** shared/ beside the project (or EDGE_BENCH_SHARED_DIR). */
export const SHARED_DIR: string = Deno.env.get("EDGE_BENCH_SHARED_DIR") ??
  join(ROOT, "..", "shared");

/** Datasets from shared/data only: no environment, no cache, no network. */
export const LOCAL_DATA: ResolveDatasetOptions = {
  dataDir: join(SHARED_DIR, "data"),
  env: () => undefined,
  download: false,
};

/** The environment with EDGE_BENCH_MODEL_DIR defaulting to shared/models. */
export function testEnv(name: string): string | undefined {
  if (name === "EDGE_BENCH_MODEL_DIR") {
    return Deno.env.get(name) ?? join(SHARED_DIR, "models");
  }
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
