import { parse } from "csv-parse/sync";
import type { z } from "zod";
import { DatasetError } from "./errors.ts";
import { resolveDatasetFile, type ResolveDatasetOptions } from "./resolve.ts";

/** A verified dataset file, named for error messages. */
export interface FileRef {
  /** `dataset/file`. */
  label: string;
  path: string;
}

/** Resolve (and verify) a dataset file, then read its bytes. */
export async function readDatasetBytes(
  dataset: string,
  file: string,
  options: ResolveDatasetOptions,
): Promise<{ ref: FileRef; bytes: Uint8Array<ArrayBuffer> }> {
  const resolved = await resolveDatasetFile(dataset, file, options);
  const ref = { label: `${dataset}/${file}`, path: resolved.path };
  return { ref, bytes: await Deno.readFile(resolved.path) };
}

/** A value shortened for a message, JSON-quoted. */
export function preview(value: unknown, max = 120): string {
  if (typeof value !== "string") {
    const json = JSON.stringify(value) ?? String(value);
    return json.length > max ? `${json.slice(0, max - 3)}...` : json;
  }
  return JSON.stringify(value.length > max ? `${value.slice(0, max - 3)}...` : value);
}

/** The error for malformed input: names the file, the line and the value. */
export function malformed(
  ref: FileRef,
  line: number,
  problem: string,
  value: unknown,
): DatasetError {
  return new DatasetError(
    `Malformed ${ref.label} (${ref.path}) at line ${line}: ${problem}: ${preview(value)}`,
  );
}

/** Decode UTF-8, rejecting invalid bytes. */
export function decodeUtf8(bytes: Uint8Array, ref: FileRef): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new DatasetError(`Cannot decode ${ref.label} (${ref.path}) as UTF-8`, { cause: error });
  }
}

/** Gunzip bytes with `DecompressionStream`. */
export async function gunzip(
  bytes: Uint8Array<ArrayBuffer>,
  ref: FileRef,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new DatasetError(`Cannot gunzip ${ref.label} (${ref.path})`, { cause: error });
  }
}

/** A stable sample id: `<prefix>/<index padded to 5 digits>`, so ids sort in file order. */
export function sampleId(prefix: string, index: number): string {
  return `${prefix}/${String(index).padStart(5, "0")}`;
}

/** A CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Parse CSV text (quoted fields may hold newlines; LF or CRLF) into records that each have exactly
 * `columns` fields, with their start line. Blank lines are skipped.
 */
export function parseCsvRecords(text: string, ref: FileRef, columns: number): CsvRecord[] {
  let parsed: { record: string[]; info: { lines: number; empty_lines: number } }[];
  try {
    parsed = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    throw new DatasetError(
      `Malformed ${ref.label} (${ref.path}) at line ${line}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const records: CsvRecord[] = [];
  let lastLine = 0;
  let lastEmpty = 0;
  for (const { record, info } of parsed) {
    const line = lastLine + 1 + (info.empty_lines - lastEmpty);
    lastLine = info.lines;
    lastEmpty = info.empty_lines;
    if (record.length !== columns) {
      throw malformed(ref, line, `expected ${columns} columns, found ${record.length}`, record);
    }
    records.push({ fields: record, line });
  }
  return records;
}

/** Parse JSON Lines (LF or CRLF, blank lines skipped), validating each object with `schema`. */
export function parseJsonLines<S extends z.ZodType>(
  text: string,
  ref: FileRef,
  schema: S,
): { value: z.output<S>; line: number }[] {
  const out: { value: z.output<S>; line: number }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const body = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (body.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw malformed(ref, line, `invalid JSON (${(error as Error).message})`, body);
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw malformed(ref, line, `'${issue.path.join(".")}' ${issue.message}`, body);
    }
    out.push({ value: result.data, line });
  });
  return out;
}
