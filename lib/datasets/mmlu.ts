import { z } from "zod";
import { decodeUtf8, malformed, parseCsvRecords, readDatasetBytes, sampleId } from "./_read.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

/** The MMLU subjects held in the dataset folder (finance and economics related). */
export const MMLU_SUBJECTS = [
  "business_ethics",
  "college_mathematics",
  "econometrics",
  "high_school_macroeconomics",
  "high_school_microeconomics",
  "professional_accounting",
] as const;
/** An MMLU subject available here. */
export type MmluSubject = typeof MMLU_SUBJECTS[number];

/** The MMLU splits available here: `dev` (5 few-shot examples per subject) and `test`. */
export const MMLU_SPLITS = ["dev", "test"] as const;
/** An MMLU split. */
export type MmluSplit = typeof MMLU_SPLITS[number];

/** The answer letters, in choice order. */
export const MMLU_ANSWERS = ["A", "B", "C", "D"] as const;

/** One MMLU question: `id` is `mmlu/<subject>/<split>/<row index, 5 digits>`. */
export const MmluSampleSchema = z.object({
  id: z.string().regex(/^mmlu\/[a-z_]+\/(dev|test)\/\d{5}$/),
  subject: z.enum(MMLU_SUBJECTS),
  question: z.string().min(1),
  /** Options A, B, C, D in that order. */
  choices: z.tuple([z.string(), z.string(), z.string(), z.string()]),
  answer: z.enum(MMLU_ANSWERS),
});
/** One MMLU question. */
export type MmluSample = z.output<typeof MmluSampleSchema>;

/** Options for {@linkcode loadMmlu}. */
export interface MmluOptions extends ResolveDatasetOptions {
  /** Subjects to load, in this order. @default MMLU_SUBJECTS (all six) */
  subjects?: readonly MmluSubject[];
  /** Which split. @default "test" */
  split?: MmluSplit;
}

/**
 * Load MMLU questions from the headerless `<split>/<subject>_<split>.csv` files (`question, A, B,
 * C, D, answer`; quoted fields may hold newlines, kept as in the file). Subjects come in the order
 * given, rows in file order.
 */
export async function loadMmlu(options: MmluOptions = {}): Promise<MmluSample[]> {
  const split = options.split ?? "test";
  if (!MMLU_SPLITS.includes(split)) {
    throw new RangeError(`Unknown MMLU split '${split}': available are ${MMLU_SPLITS.join(", ")}`);
  }
  const subjects = [...new Set(options.subjects ?? MMLU_SUBJECTS)];
  for (const subject of subjects) {
    if (!MMLU_SUBJECTS.includes(subject)) {
      throw new RangeError(
        `Unknown MMLU subject '${subject}': available are ${MMLU_SUBJECTS.join(", ")}`,
      );
    }
  }
  const answers: readonly string[] = MMLU_ANSWERS;
  const samples: MmluSample[] = [];
  for (const subject of subjects) {
    const file = `${split}/${subject}_${split}.csv`;
    const { ref, bytes } = await readDatasetBytes("mmlu", file, options);
    parseCsvRecords(decodeUtf8(bytes, ref), ref, 6).forEach(({ fields, line }, index) => {
      const [question, a, b, c, d, answer] = fields;
      if (!answers.includes(answer)) {
        throw malformed(ref, line, "answer must be one of A, B, C, D", answer);
      }
      if (question.trim() === "") throw malformed(ref, line, "empty question", fields);
      samples.push(MmluSampleSchema.parse({
        id: sampleId(`mmlu/${subject}/${split}`, index),
        subject,
        question,
        choices: [a, b, c, d],
        answer,
      }));
    });
  }
  return samples;
}
