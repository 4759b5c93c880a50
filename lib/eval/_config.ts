import { join } from "node:path";
import { z } from "zod";
import {
  ConfigError,
  loadYamlFile,
  lookup,
  parseWithSchema,
  PROJECT_ROOT,
  resolveProjectPath,
} from "../config/mod.ts";

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

const common = {
  description: z.string().min(1),
  /** Prompt template under data/; `{{name}}` placeholders are filled per sample. */
  prompt_file: z.string().min(1),
  system_prompt_file: z.string().optional(),
  max_tokens: positiveInt,
  /** Samples evaluated (stratified or seeded, see each kind); null for the whole split. */
  sample_size: positiveInt.nullable().default(null),
};

const classification = {
  /** Lowest Dice similarity for the closest-label step of answer matching. */
  similarity_threshold: z.number().min(0).max(1).default(0.5),
  /** Send a JSON-schema enum of the labels as a constraint where the backend supports it. */
  constrained: z.boolean().default(false),
  /**
   * Output budget of the constrained (JSON) form; `max_tokens` is the plain form's. null: the
   * characters of the longest JSON answer `{"label": "<longest label>"}` plus a margin (a label
   * token is never shorter than one character), and never below `max_tokens`.
   */
  constrained_max_tokens: positiveInt.nullable().default(null),
  /** Few-shot examples drawn (seeded) from the train split and shared by every prompt. */
  shots: nonNegativeInt.default(0),
};

/** Banking77 intent classification (77 labels; test split 3080 samples). */
export const Banking77TaskSchema = z.object({
  kind: z.literal("banking77"),
  ...common,
  ...classification,
}).strict();

/** Financial PhraseBank sentiment (negative, neutral, positive). */
export const PhraseBankTaskSchema = z.object({
  kind: z.literal("financial_phrasebank"),
  ...common,
  ...classification,
  agreement: z.enum(["50Agree", "66Agree", "75Agree", "AllAgree"]).default("50Agree"),
}).strict();

/** HumanEval mini: code completion checked by running the tests in the sandbox. */
export const CodingTaskSchema = z.object({
  kind: z.literal("coding"),
  ...common,
  /** Wall-clock limit of one test run. */
  timeout_ms: positiveInt.default(10_000),
}).strict();

/** MMLU on the six finance/economics subjects, k-shot from dev. */
export const MmluTaskSchema = z.object({
  kind: z.literal("mmlu"),
  ...common,
  shots: z.number().int().min(0).max(5).default(5),
  subjects: z.array(z.string().min(1)).min(1).optional(),
}).strict();

/** GSM8K with few-shot chain of thought. */
export const Gsm8kTaskSchema = z.object({
  kind: z.literal("gsm8k"),
  ...common,
  shots: nonNegativeInt.default(8),
  /** JSONL of worked examples `{question, answer}` whose answers end in `#### N`. */
  exemplars_file: z.string().min(1),
}).strict();

/** CNN/DailyMail summaries scored with ROUGE and optionally an embedding cosine. */
export const SummarizationTaskSchema = z.object({
  kind: z.literal("summarization"),
  ...common,
  /** Articles are cut to this many characters (at a word boundary) before prompting. */
  max_article_chars: positiveInt.default(6000),
  /** Model key (embedded backend) whose embeddings give `embedding_cosine`; null for none. */
  embedding_model: z.string().nullable().default(null),
}).strict();

/** The project's realistic banking cases (data/eval/realistic). */
export const RealisticTaskSchema = z.object({
  kind: z.literal("realistic"),
  ...common,
  /** Folder of case files (`*.yaml`). */
  cases_dir: z.string().min(1),
}).strict();

/** One task entry of configs/tasks.yaml; `kind` picks the dataset, prompt and scorer. */
export const TaskConfigSchema = z.discriminatedUnion("kind", [
  Banking77TaskSchema,
  PhraseBankTaskSchema,
  CodingTaskSchema,
  MmluTaskSchema,
  Gsm8kTaskSchema,
  SummarizationTaskSchema,
  RealisticTaskSchema,
]);

/** configs/tasks.yaml */
export const TasksFileSchema = z.object({
  tasks: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/), TaskConfigSchema).refine(
    (t) => Object.keys(t).length > 0,
    { message: "must define at least one task" },
  ),
}).strict();

/** One parsed task entry. */
export type TaskConfig = z.output<typeof TaskConfigSchema>;
/** The kinds of task the framework can build. */
export type TaskKind = TaskConfig["kind"];

/** A task entry with its name, the flags applied and its prompt texts read. */
export type ResolvedTask = TaskConfig & {
  name: string;
  prompt_template: string;
  system_prompt: string | null;
};

/** Command-line overrides of a task's settings (each must apply to the task's kind). */
export interface TaskOverrides {
  sample_size?: number;
  shots?: number;
  constrained?: boolean;
  agreement?: string;
  embedding_model?: string;
}

/** Load and validate configs/tasks.yaml. */
export async function loadTasksConfig(
  configDir: string = join(PROJECT_ROOT, "configs"),
): Promise<{ file: string; tasks: Record<string, TaskConfig> }> {
  const file = join(configDir, "tasks.yaml");
  const { tasks } = await loadYamlFile(file, TasksFileSchema);
  return { file, tasks };
}

async function readText(file: string, field: string, path: string, root: string) {
  try {
    return await Deno.readTextFile(resolveProjectPath(path, root));
  } catch (error) {
    throw new ConfigError(file, field, path, "names a file that cannot be read", { cause: error });
  }
}

/**
 * Look a task up by name (a miss lists the tasks), apply the flag overrides (validated with the
 * task's schema; a flag that does not apply to the kind is a ConfigError naming it) and read its
 * prompt files.
 */
export async function resolveTask(
  tasks: Record<string, TaskConfig>,
  name: string,
  options: { file: string; overrides?: TaskOverrides; root?: string },
): Promise<ResolvedTask> {
  const base = lookup("task", tasks, name);
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    if (!(key in base)) {
      throw new ConfigError(
        "<command line>",
        `--${key.replace(/_/g, "-")}`,
        value,
        `does not apply to task '${name}' (kind ${base.kind})`,
      );
    }
    merged[key] = value;
  }
  const task = parseWithSchema(merged, TaskConfigSchema, "<command line>", {
    pathPrefix: `tasks.${name}`,
  });
  const root = options.root ?? PROJECT_ROOT;
  const at = (f: string) => `tasks.${name}.${f}`;
  const prompt = await readText(options.file, at("prompt_file"), task.prompt_file, root);
  const system = task.system_prompt_file
    ? await readText(options.file, at("system_prompt_file"), task.system_prompt_file, root)
    : null;
  return { ...task, name, prompt_template: prompt.trim(), system_prompt: system?.trim() ?? null };
}
