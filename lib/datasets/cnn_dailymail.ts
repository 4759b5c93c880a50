import { z } from "zod";
import { decodeUtf8, malformed, parseJsonLines, readDatasetBytes } from "./_read.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

/** One CNN/DailyMail record; `id` is the dataset's own id (SHA-1 hex of the story URL). */
export const CnnDailymailSampleSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  article: z.string().min(1),
  /** Reference summary: highlight sentences joined with `\n`. */
  highlights: z.string().min(1),
});
/** One news article with its reference highlights. */
export type CnnDailymailSample = z.output<typeof CnnDailymailSampleSchema>;

/** Options for {@linkcode loadCnnDailymail}. */
export type CnnDailymailOptions = ResolveDatasetOptions;

/**
 * Load the first 500 records of the CNN/DailyMail 3.0.0 test split (`test_first500.jsonl`), in
 * Hugging Face order. The texts are CNN's: research and evaluation use only.
 */
export async function loadCnnDailymail(
  options: CnnDailymailOptions = {},
): Promise<CnnDailymailSample[]> {
  const { ref, bytes } = await readDatasetBytes("cnn_dailymail", "test_first500.jsonl", options);
  const seen = new Set<string>();
  return parseJsonLines(decodeUtf8(bytes, ref), ref, CnnDailymailSampleSchema).map(
    ({ value, line }) => {
      if (seen.has(value.id)) throw malformed(ref, line, "duplicate id", value.id);
      seen.add(value.id);
      return value;
    },
  );
}
