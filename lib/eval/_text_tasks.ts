import { join } from "node:path";
import { loadYamlFile, resolveProjectPath } from "../config/mod.ts";
import { loadCnnDailymail, type ResolveDatasetOptions, seededSample } from "../datasets/mod.ts";
import type { ResolvedTask } from "./_config.ts";
import { type RealisticCaseFile, RealisticCaseFileSchema } from "./_realistic.ts";
import {
  checksScorer,
  combineScorers,
  type Embedder,
  embeddingScorer,
  rougeScorer,
} from "./scorers.ts";
import { type EvalSample, type EvalTask, renderTemplate } from "./task.ts";

type Kind<K extends ResolvedTask["kind"]> = Extract<ResolvedTask, { kind: K }>;

/** Cut a text to at most `max` characters at a word boundary. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max * 0.8 ? cut.slice(0, space) : cut).trimEnd();
}

/**
 * Summarization: a seeded sample of the CNN/DailyMail test records, articles cut to
 * `max_article_chars`; ROUGE-1/2/L F1 against the highlights, plus `embedding_cosine` when an
 * embedder is given (the task's `embedding_model`).
 */
export async function buildSummarization(
  task: Kind<"summarization">,
  seed: number,
  data: ResolveDatasetOptions,
  embedder: Embedder | null,
): Promise<EvalTask> {
  const all = await loadCnnDailymail(data);
  const chosen = task.sample_size === null || task.sample_size >= all.length
    ? all
    : seededSample(all, task.sample_size, { seed });
  const samples = chosen.map((s) => ({
    id: s.id,
    group: null,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, {
      article: truncateText(s.article.trim(), task.max_article_chars),
    }),
    reference: s.highlights,
  }));
  const scorer = embedder
    ? combineScorers(rougeScorer(), embeddingScorer(embedder))
    : rougeScorer();
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: task.max_tokens,
    jsonSchema: null,
    scorer,
    labels: null,
    hasAccuracy: false,
    meanScores: ["rouge1", "rouge2", "rougeL", ...(embedder ? ["embedding_cosine"] : [])],
    settings: {
      sample_size: task.sample_size,
      max_article_chars: task.max_article_chars,
      rouge:
        "F1; tokens = lower-case ASCII alphanumeric runs; no stemming; rougeL = LCS over the whole text",
      embedding_model: embedder?.name ?? null,
    },
    close: async () => {
      await embedder?.close();
    },
  };
}

/** Read every case file (`*.yaml`, sorted by name) of a folder. */
export async function loadRealisticCases(dir: string): Promise<RealisticCaseFile[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".yaml")) names.push(e.name);
  }
  names.sort();
  const files: RealisticCaseFile[] = [];
  const ids = new Set<string>();
  for (const name of names) {
    const file = await loadYamlFile(join(dir, name), RealisticCaseFileSchema);
    for (const c of file.cases) {
      if (!c.id.startsWith(`${file.category}/`) || ids.has(c.id)) {
        throw new RangeError(
          `Case file ${
            join(dir, name)
          }: case id '${c.id}' must be unique and start with '${file.category}/'`,
        );
      }
      ids.add(c.id);
    }
    files.push(file);
  }
  return files;
}

/**
 * Realistic banking cases: every case of `cases_dir` (or a seeded sample), prompt = the
 * category's instruction (policy filled in) and the case input; scored by the case's checks.
 */
export async function buildRealistic(task: Kind<"realistic">, seed: number): Promise<EvalTask> {
  const files = await loadRealisticCases(resolveProjectPath(task.cases_dir));
  const all: EvalSample[] = files.flatMap((f) =>
    f.cases.map((c) => ({
      id: c.id,
      group: f.category,
      system: task.system_prompt,
      prompt: renderTemplate(task.prompt_template, {
        instruction: renderTemplate(f.instruction.trim(), { policy: c.policy?.trim() ?? "" }),
        input: c.input.trim(),
      }),
      reference: c.reference_answer.trim(),
      data: { case: c },
    }))
  );
  const samples = task.sample_size === null || task.sample_size >= all.length
    ? all
    : seededSample(all, task.sample_size, { seed });
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: task.max_tokens,
    jsonSchema: null,
    scorer: checksScorer(),
    labels: null,
    hasAccuracy: true,
    meanScores: [
      "check_json_schema",
      "check_json_fields",
      "check_required_content",
      "check_forbidden",
      "check_grounded",
      "check_refusal",
    ],
    settings: { sample_size: task.sample_size, categories: files.map((f) => f.category) },
    close: () => Promise.resolve(),
  };
}
