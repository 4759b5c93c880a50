import { z } from "zod";
import { decodeUtf8, malformed, parseJsonLines, readDatasetBytes, sampleId } from "./_read.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

const Gsm8kLineSchema = z.object({ question: z.string().min(1), answer: z.string().min(1) });

/** One GSM8K problem: `id` is `gsm8k/test/<row index, 5 digits>`. */
export const Gsm8kSampleSchema = z.object({
  id: z.string().regex(/^gsm8k\/test\/\d{5}$/),
  question: z.string().min(1),
  /** The worked solution, with `<<...>>` calculator annotations and the final `#### N` line. */
  answer: z.string().min(1),
  /** The number after the last `####`, commas removed (e.g. `"1,000"` → `"1000"`). */
  finalAnswer: z.string().regex(/^-?\d+(\.\d+)?$/),
});
/** One GSM8K problem. */
export type Gsm8kSample = z.output<typeof Gsm8kSampleSchema>;

/** Options for {@linkcode loadGsm8k}. */
export type Gsm8kOptions = ResolveDatasetOptions;

/**
 * The final answer of a GSM8K-style solution: the text after the last `####`, trimmed, with
 * thousands commas removed; undefined when there is no `####`.
 *
 * @example
 * ```ts
 * import { extractGsm8kFinalAnswer } from "./gsm8k.ts";
 * if (extractGsm8kFinalAnswer("3 + 4 = 7\n#### 1,007") !== "1007") throw new Error();
 * ```
 */
export function extractGsm8kFinalAnswer(answer: string): string | undefined {
  const at = answer.lastIndexOf("####");
  if (at < 0) return undefined;
  return answer.slice(at + 4).trim().replaceAll(",", "");
}

/** Load the 1319 GSM8K test problems (`test.jsonl`), in file order. */
export async function loadGsm8k(options: Gsm8kOptions = {}): Promise<Gsm8kSample[]> {
  const { ref, bytes } = await readDatasetBytes("gsm8k", "test.jsonl", options);
  const rows = parseJsonLines(decodeUtf8(bytes, ref), ref, Gsm8kLineSchema);
  return rows.map(({ value, line }, index) => {
    const finalAnswer = extractGsm8kFinalAnswer(value.answer);
    if (finalAnswer === undefined || !/^-?\d+(\.\d+)?$/.test(finalAnswer)) {
      throw malformed(ref, line, "answer has no numeric final answer after '####'", value.answer);
    }
    return Gsm8kSampleSchema.parse({
      id: sampleId("gsm8k/test", index),
      question: value.question,
      answer: value.answer,
      finalAnswer,
    });
  });
}
