import { z } from "zod";
import {
  decodeUtf8,
  malformed,
  parseCsvRecords,
  preview,
  readDatasetBytes,
  sampleId,
} from "./_read.ts";
import { DatasetError } from "./errors.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

/** The Banking77 splits. */
export const BANKING77_SPLITS = ["train", "test"] as const;
/** A Banking77 split. */
export type Banking77Split = typeof BANKING77_SPLITS[number];

/** One Banking77 query: `id` is `banking77/<split>/<row index, 5 digits>`. */
export const Banking77SampleSchema = z.object({
  id: z.string().regex(/^banking77\/(train|test)\/\d{5}$/),
  text: z.string().min(1),
  /** One of the 77 intents of `categories.json` (as spelled there, e.g. `Refund_not_showing_up`). */
  label: z.string().min(1),
});
/** One Banking77 query with its intent label. */
export type Banking77Sample = z.output<typeof Banking77SampleSchema>;

/** Options for {@linkcode loadBanking77}. */
export interface Banking77Options extends ResolveDatasetOptions {
  /** Which split to load. @default "test" */
  split?: Banking77Split;
}

/** The 77 intent labels, in the order of `categories.json`. */
export async function loadBanking77Labels(options: ResolveDatasetOptions = {}): Promise<string[]> {
  const { ref, bytes } = await readDatasetBytes("banking77", "categories.json", options);
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes, ref));
  } catch (error) {
    throw new DatasetError(`Malformed ${ref.label} (${ref.path}): invalid JSON`, { cause: error });
  }
  const result = z.array(z.string().min(1)).min(1).safeParse(json);
  if (!result.success || new Set(result.data).size !== result.data.length) {
    throw new DatasetError(
      `Malformed ${ref.label} (${ref.path}): expected a JSON array of distinct non-empty labels, ` +
        `found ${preview(json)}`,
      { cause: result.error },
    );
  }
  return result.data;
}

/**
 * Load a Banking77 split (`text,category` CSV, CRLF, quoted fields with embedded newlines). Every
 * label must be one of `categories.json`; rows keep file order.
 */
export async function loadBanking77(options: Banking77Options = {}): Promise<Banking77Sample[]> {
  const split = options.split ?? "test";
  if (!BANKING77_SPLITS.includes(split)) {
    throw new RangeError(
      `Unknown Banking77 split '${split}': available are ${BANKING77_SPLITS.join(", ")}`,
    );
  }
  const labels = new Set(await loadBanking77Labels(options));
  const { ref, bytes } = await readDatasetBytes("banking77", `${split}.csv`, options);
  const [header, ...rows] = parseCsvRecords(decodeUtf8(bytes, ref), ref, 2);
  if (header?.fields.join(",") !== "text,category") {
    throw malformed(ref, header?.line ?? 1, "expected the header 'text,category'", header?.fields);
  }
  return rows.map(({ fields: [text, label], line }, index) => {
    if (!labels.has(label)) {
      throw malformed(ref, line, "unknown label (not in categories.json)", label);
    }
    if (text.trim() === "") throw malformed(ref, line, "empty text", text);
    return Banking77SampleSchema.parse({ id: sampleId(`banking77/${split}`, index), text, label });
  });
}
