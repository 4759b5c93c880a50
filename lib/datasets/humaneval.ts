import { z } from "zod";
import { decodeUtf8, gunzip, parseJsonLines, readDatasetBytes } from "./_read.ts";
import { DatasetError } from "./errors.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

const HumanEvalLineSchema = z.object({
  task_id: z.string().regex(/^HumanEval\/\d+$/),
  prompt: z.string().min(1),
  canonical_solution: z.string().min(1),
  test: z.string().min(1),
  entry_point: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
});

/** One HumanEval problem; `id` is the official `task_id` (`HumanEval/0` .. `HumanEval/163`). */
export const HumanEvalSampleSchema = z.object({
  id: z.string().regex(/^HumanEval\/\d+$/),
  prompt: z.string().min(1),
  canonicalSolution: z.string().min(1),
  test: z.string().min(1),
  entryPoint: z.string().min(1),
});
/** One HumanEval problem. */
export type HumanEvalSample = z.output<typeof HumanEvalSampleSchema>;

/** Options for {@linkcode loadHumanEval}. */
export type HumanEvalOptions = ResolveDatasetOptions;

/**
 * Load the 164 HumanEval problems from `HumanEval.jsonl.gz`, in file order. Scoring runs
 * model-written Python: keep that sandboxed.
 */
export async function loadHumanEval(options: HumanEvalOptions = {}): Promise<HumanEvalSample[]> {
  const { ref, bytes } = await readDatasetBytes("humaneval", "HumanEval.jsonl.gz", options);
  const text = decodeUtf8(await gunzip(bytes, ref), ref);
  const seen = new Set<string>();
  return parseJsonLines(text, ref, HumanEvalLineSchema).map(({ value, line }) => {
    if (seen.has(value.task_id)) {
      throw new DatasetError(
        `Malformed ${ref.label} (${ref.path}) at line ${line}: duplicate task_id: "${value.task_id}"`,
      );
    }
    seen.add(value.task_id);
    return HumanEvalSampleSchema.parse({
      id: value.task_id,
      prompt: value.prompt,
      canonicalSolution: value.canonical_solution,
      test: value.test,
      entryPoint: value.entry_point,
    });
  });
}
