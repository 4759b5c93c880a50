/**
 * Record files read through lib/results' JSONL parser and schemas, kept while the file is
 * unchanged (size and modification time), with the line number of every good record.
 * @module
 */
import { basename, join } from "node:path";
import type { z } from "zod";
import {
  EvalRecordSchema,
  type JsonlWarning,
  parseJsonl,
  PerfRecordSchema,
} from "../results/mod.ts";

/**
 * lib/results' perf record schema, keeping fields it does not know yet (a newer writer's, e.g.
 * chunk arrival offsets) so the viewer can show them; every known field is validated as usual.
 */
export const ViewerPerfSchema = PerfRecordSchema.loose();
/** lib/results' eval record schema, keeping fields it does not know yet (e.g. an invalid cause). */
export const ViewerEvalSchema = EvalRecordSchema.loose();

/** A perf record as the viewer reads it (extra fields kept). */
export type ViewerPerfRecord = z.output<typeof ViewerPerfSchema>;
/** An eval record as the viewer reads it (extra fields kept). */
export type ViewerEvalRecord = z.output<typeof ViewerEvalSchema>;

/** The good records of one file, their 1-based line numbers, and the skipped lines. */
export interface RecordsFile<T> {
  file: string;
  records: T[];
  lines: number[];
  warnings: JsonlWarning[];
}

type Entry = { stamp: string; value: RecordsFile<unknown> };

/** Reads JSONL record files, once per version of each file. */
export class RecordFiles {
  #cache = new Map<string, Entry>();

  /** The records of `path` valid under `schema` (cached under `name`). */
  async read<S extends z.ZodType>(
    path: string,
    schema: S,
    name: string,
  ): Promise<RecordsFile<z.output<S>>> {
    const info = await Deno.stat(path);
    const stamp = `${info.size}:${info.mtime?.getTime() ?? 0}`;
    const key = `${name}\u0000${path}`;
    const hit = this.#cache.get(key);
    if (hit && hit.stamp === stamp) return hit.value as RecordsFile<z.output<S>>;
    const text = await Deno.readTextFile(path);
    const { records, warnings } = parseJsonl(text, schema, path);
    const bad = new Set(warnings.map((w) => w.line));
    const lines: number[] = [];
    text.split("\n").forEach((raw, i) => {
      if (raw.trim() !== "" && !bad.has(i + 1)) lines.push(i + 1);
    });
    const value = { file: path, records, lines, warnings };
    this.#cache.set(key, { stamp, value });
    return value;
  }

  /** Perf records of a file. */
  perf(path: string): Promise<RecordsFile<ViewerPerfRecord>> {
    return this.read(path, ViewerPerfSchema, "perf");
  }

  /** Eval records of a file. */
  eval(path: string): Promise<RecordsFile<ViewerEvalRecord>> {
    return this.read(path, ViewerEvalSchema, "eval");
  }
}

/** Every file under `dir` (recursive) with a stamp of its size and modification time. */
export async function listFiles(dir: string): Promise<{ path: string; stamp: string }[]> {
  const out: { path: string; stamp: string }[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const path = join(d, e.name);
      if (e.isDirectory) await walk(path);
      else if (e.isFile) {
        const info = await Deno.stat(path).catch(() => null);
        if (info) out.push({ path, stamp: `${info.size}:${info.mtime?.getTime() ?? 0}` });
      }
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The file name of a path (what pages show and what record URLs carry). */
export const fileName = (path: string): string => basename(path);
