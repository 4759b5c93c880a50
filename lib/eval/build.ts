import type { ResolveDatasetOptions } from "../datasets/mod.ts";
import type { ResolvedTask } from "./_config.ts";
import { buildBanking77, buildPhraseBank } from "./_classification_tasks.ts";
import { buildGsm8k, buildMmlu } from "./_reasoning_tasks.ts";
import { buildRealistic, buildSummarization } from "./_text_tasks.ts";
import { buildCoding, type CodeScorerOptions } from "./_coding_task.ts";
import type { Embedder } from "./scorers.ts";
import type { EvalTask } from "./task.ts";
import { compareSampleIds } from "../datasets/mod.ts";

/** Options for {@linkcode buildTask}. */
export interface BuildTaskOptions {
  /** Seed of sample and few-shot selection. @default 42 */
  seed?: number;
  /** Where datasets come from (dataDir, cache, download). @default {} */
  data?: ResolveDatasetOptions;
  /** Builds the embedder named by a summarization task's `embedding_model`. @default none */
  createEmbedder?: (modelKey: string) => Promise<Embedder>;
  /** Coding: run model code without the sandbox. @default false */
  allowUnsafe?: boolean;
  /** Coding: replaces the sandbox runner (tests). @default lib/sandbox runPythonSandboxed */
  runSandboxed?: CodeScorerOptions["run"];
}

/**
 * Build a resolved task: load its dataset, draw its sample and few-shot examples (seeded),
 * render its prompts and make its scorer. Samples come sorted by id.
 */
export async function buildTask(
  task: ResolvedTask,
  options: BuildTaskOptions = {},
): Promise<EvalTask> {
  const seed = options.seed ?? 42;
  const data = options.data ?? {};
  let built: EvalTask;
  switch (task.kind) {
    case "banking77":
      built = await buildBanking77(task, seed, data);
      break;
    case "financial_phrasebank":
      built = await buildPhraseBank(task, seed, data);
      break;
    case "mmlu":
      built = await buildMmlu(task, seed, data);
      break;
    case "gsm8k":
      built = await buildGsm8k(task, seed, data);
      break;
    case "summarization": {
      if (task.embedding_model !== null && !options.createEmbedder) {
        throw new RangeError(
          `Task '${task.name}' names embedding_model '${task.embedding_model}' but no embedder factory was given`,
        );
      }
      const embedder = task.embedding_model === null
        ? null
        : await options.createEmbedder!(task.embedding_model);
      built = await buildSummarization(task, seed, data, embedder);
      break;
    }
    case "realistic":
      built = await buildRealistic(task, seed);
      break;
    case "coding": {
      built = await buildCoding(task, seed, data, {
        allowUnsafe: options.allowUnsafe,
        run: options.runSandboxed,
      });
      break;
    }
  }
  built.samples.sort((a, b) => compareSampleIds(a.id, b.id));
  return built;
}
