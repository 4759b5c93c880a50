import { parse } from "csv-parse/sync";
import { DatasetError } from "./errors.ts";
import type { DatasetDeriveSchema } from "./manifest.ts";
import type { z } from "zod";

/** The conversions a manifest `derive.kind` may name. */
export type DeriveKind = z.output<typeof DatasetDeriveSchema>["kind"];

/**
 * A JSON string literal exactly as Python's `json.dumps(..., ensure_ascii=True)` writes it:
 * `"` and `\` escaped, `\n \r \t \b \f` short forms, every other code unit outside 0x20-0x7E
 * (including DEL and each half of a surrogate pair) as a lowercase `\uXXXX` escape.
 */
export function pythonJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += "\\\\";
    else if (code >= 0x20 && code < 0x7f) out += value[i];
    else if (code === 0x0a) out += "\\n";
    else if (code === 0x0d) out += "\\r";
    else if (code === 0x09) out += "\\t";
    else if (code === 0x08) out += "\\b";
    else if (code === 0x0c) out += "\\f";
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

/**
 * Rebuild `cnn_dailymail/test_first500.jsonl` from the upstream CSV (`article,highlights,id`, made
 * by pandas `to_csv`): one `json.dumps({"id", "article", "highlights"})` line per row, LF-ended,
 * as described in data/datasets/cnn_dailymail/SOURCE.md.
 */
export function cnnDailymailCsvToJsonl(csv: string, where: string): string {
  let rows: string[][];
  try {
    rows = parse(csv, { relax_column_count: true, bom: true });
  } catch (error) {
    throw new DatasetError(`Cannot parse ${where} as CSV: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const header = rows.shift();
  if (header?.join(",") !== "article,highlights,id") {
    throw new DatasetError(
      `Cannot convert ${where}: expected the header 'article,highlights,id', found ${
        JSON.stringify(header?.join(",") ?? "")
      }`,
    );
  }
  const lines = rows.map((row, i) => {
    if (row.length !== 3) {
      throw new DatasetError(
        `Cannot convert ${where}: record ${i + 1} has ${row.length} fields, expected 3`,
      );
    }
    const [article, highlights, id] = row;
    return `{"id": ${pythonJsonString(id)}, "article": ${pythonJsonString(article)}, ` +
      `"highlights": ${pythonJsonString(highlights)}}\n`;
  });
  return lines.join("");
}

/** Apply a manifest `derive.kind` conversion to downloaded bytes. */
export function deriveBytes(kind: DeriveKind, bytes: Uint8Array, where: string): Uint8Array {
  switch (kind) {
    case "cnn_dailymail_csv_to_jsonl": {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return new TextEncoder().encode(cnnDailymailCsvToJsonl(text, where));
    }
  }
}
