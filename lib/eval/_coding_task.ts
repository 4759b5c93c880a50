import {
  type HumanEvalSample,
  loadHumanEval,
  type ResolveDatasetOptions,
  seededSample,
} from "../datasets/mod.ts";
import {
  detectSandbox,
  extractCode,
  humanEvalProgram,
  humanEvalSentinel,
  isolationOf,
  runPythonSandboxed,
  type SandboxKind,
  SandboxUnavailableError,
  testsRanToEnd,
} from "../sandbox/mod.ts";
import type { ResolvedTask } from "./_config.ts";
import { type EvalSample, type EvalTask, renderTemplate, type Scorer } from "./task.ts";

type Kind<K extends ResolvedTask["kind"]> = Extract<ResolvedTask, { kind: K }>;

/** Sandbox settings of the coding scorer. */
export interface CodeScorerOptions {
  /** Wall-clock limit of one test run (ms). @default 10000 */
  timeoutMs?: number;
  /**
   * Allow running without isolation where no sandbox works (the CLI's --unsafe-no-sandbox); a
   * sandbox that works is still used. @default false
   */
  allowUnsafe?: boolean;
  /** The isolation to use (detected by {@linkcode buildCoding}). @default detected per run */
  sandbox?: SandboxKind | "none";
  /** Replaces the sandbox runner (tests). @default runPythonSandboxed */
  run?: typeof runPythonSandboxed;
}

/**
 * HumanEval: extract the code of the answer for the problem's entry point, build the test
 * program (problem + completion + tests + `check(entry_point)` + a fresh sentinel line) and run
 * it in the sandbox; correct only when it exits 0 and printed the sentinel, i.e. the tests ran
 * to their end (a completion calling `os._exit(0)` or `raise SystemExit(0)` before them fails).
 * No code in the answer is an invalid answer.
 */
export function codeScorer(options: CodeScorerOptions = {}): Scorer {
  const run = options.run ?? runPythonSandboxed;
  return async (output, sample: EvalSample) => {
    const problem = (sample.data as { problem: HumanEvalSample }).problem;
    const code = extractCode(output, problem.entryPoint);
    if (code.trim() === "") {
      return {
        prediction: null,
        correct: false,
        score: 0,
        valid: false,
        invalidReason: output.trim() === "" ? "empty" : "no_label",
        details: { status: "no_code" },
      };
    }
    const sentinel = humanEvalSentinel();
    const program = humanEvalProgram(problem, code, { sentinel });
    const result = await run(program, {
      limits: { timeoutMs: options.timeoutMs ?? 10_000 },
      allowUnsafe: options.allowUnsafe ?? false,
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    });
    const ranToEnd = testsRanToEnd(result, sentinel);
    const passed = result.status === "passed" && ranToEnd;
    return {
      prediction: code,
      correct: passed,
      score: passed ? 1 : 0,
      valid: true,
      details: {
        // Exit 0 without the sentinel: the program left before its tests finished.
        status: result.status === "passed" && !ranToEnd ? "failed" : result.status,
        tests_ran_to_end: ranToEnd,
        sandbox: result.sandbox,
        duration_ms: Math.round(result.durationMs),
        stderr_tail: result.stderr.slice(-400),
      },
    };
  };
}

/**
 * HumanEval mini: a seeded sample of the 164 problems (default 30), scored in the sandbox. The
 * sandbox is detected before anything runs (unless a replacement runner is given): without one,
 * {@linkcode SandboxUnavailableError} unless `allowUnsafe`, so a run never starts that could not
 * score; with `allowUnsafe` the detected sandbox is still used, and only where none works does
 * code run without isolation. `settings.sandbox` and `settings.isolation` say which it was.
 */
export async function buildCoding(
  task: Kind<"coding">,
  seed: number,
  data: ResolveDatasetOptions,
  options: CodeScorerOptions = {},
): Promise<EvalTask> {
  let sandbox: SandboxKind | "none" | null = null;
  if (!options.run) {
    const failures: string[] = [];
    const kind = await detectSandbox({ onFailure: (k, why) => failures.push(`${k}: ${why}`) });
    if (kind === null && !options.allowUnsafe) {
      throw new SandboxUnavailableError(Deno.build.os, failures);
    }
    sandbox = kind ?? "none";
  }
  const all = await loadHumanEval(data);
  const chosen = task.sample_size === null || task.sample_size >= all.length
    ? all
    : seededSample(all, task.sample_size, { seed });
  const samples = chosen.map((p) => ({
    id: p.id,
    group: null,
    system: task.system_prompt,
    prompt: renderTemplate(task.prompt_template, { prompt: p.prompt }),
    reference: p.canonicalSolution,
    data: { problem: p },
  }));
  return {
    name: task.name,
    kind: task.kind,
    samples,
    maxTokens: task.max_tokens,
    jsonSchema: null,
    scorer: codeScorer({ timeoutMs: task.timeout_ms, ...options, sandbox: sandbox ?? undefined }),
    labels: null,
    hasAccuracy: true,
    meanScores: [],
    settings: {
      sample_size: task.sample_size,
      timeout_ms: task.timeout_ms,
      sandbox: sandbox ?? "replacement runner",
      isolation: sandbox === null ? null : isolationOf(sandbox),
      unsafe_no_sandbox: options.allowUnsafe ?? false,
      metric: "pass@1 (greedy, one sample per problem)",
    },
    close: () => Promise.resolve(),
  };
}
