/** Pulling the Python code out of a model's answer. @module */

/** Fenced blocks: ``` or ~~~, an optional language tag, a body, and a closing fence or the end. */
const FENCE =
  /(?:^|\n)[ \t]*(```|~~~)[ \t]*([\w+.#-]*)[^\n]*\n([\s\S]*?)(?:\n[ \t]*\1[ \t]*(?=\n|$)|$)/g;

/** Language tags taken as Python (an empty tag too). */
const PYTHON_TAGS = new Set(["", "python", "python3", "py", "py3", "pycon", "ipython"]);

/** Top-level statements kept around a function: definitions, imports, decorators, comments. */
const KEPT_STATEMENT = new RegExp(
  [
    String.raw`(?:async\s+)?def\s+\w+\s*\(`,
    String.raw`class\s+\w+\s*[(:]`,
    String.raw`import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*\s*(?:#.*)?$`,
    String.raw`from\s+[\w.]+\s+import\s`,
    "@",
    "#",
    String.raw`[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*\s*=(?!=)`,
  ].map((pattern) => `^${pattern}`).join("|"),
);

/** A line that only closes brackets: the end of a statement that began above. */
const CLOSING_LINE = /^[)\]}]/;

function definesPattern(entryPoint: string): RegExp {
  return new RegExp(`^(?:async\\s+)?def\\s+${entryPoint}\\s*\\(`, "m");
}

function assertIdentifier(entryPoint: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entryPoint)) {
    throw new TypeError(
      `Cannot use entry point: it must be a Python identifier: current value is '${entryPoint}'`,
    );
  }
}

/** Removes closed `<think>…</think>` reasoning and stray think tags. */
function dropReasoning(answer: string): string {
  return answer.replace(/<think>[\s\S]*?<\/think>/g, "").replace(/<\/?think>/g, "");
}

/** Removes the indentation every non-blank line shares. */
export function dedent(code: string): string {
  const lines = code.split("\n");
  const indents = lines.filter((line) => line.trim()).map((line) => /^[ \t]*/.exec(line)![0]);
  if (indents.length === 0) return code;
  let common = indents[0];
  for (const indent of indents) {
    while (!indent.startsWith(common)) common = common.slice(0, -1);
  }
  return lines.map((line) => line.startsWith(common) ? line.slice(common.length) : line.trimStart())
    .join("\n");
}

/** Toggles triple-quote state over one line: true while a string is open after it. */
function updateTripleQuote(line: string, open: string | null): string | null {
  let state = open;
  for (let index = 0; index < line.length; index++) {
    const three = line.slice(index, index + 3);
    if (state === null && line[index] === "#") break;
    if (three === '"""' || three === "'''") {
      if (state === null) state = three;
      else if (state === three) state = null;
      index += 2;
    }
  }
  return state;
}

/**
 * Keeps the top-level statements that define things (functions, classes, imports, decorators,
 * comments, assignments) with their indented bodies; drops prose and top-level calls such as
 * example prints, asserts and `if __name__ == "__main__":` blocks.
 */
export function keepDefinitions(code: string): string {
  const kept: string[] = [];
  let keeping = true;
  let openString: string | null = null;
  for (const line of code.split("\n")) {
    const continuation = openString !== null || /^[ \t]/.test(line) || line.trim() === "" ||
      CLOSING_LINE.test(line);
    if (!continuation) keeping = KEPT_STATEMENT.test(line);
    if (keeping) kept.push(line);
    openString = updateTripleQuote(line, openString);
  }
  return kept.join("\n").trim();
}

/** A function body: from the first indented line, while lines stay indented or blank. */
function bodyOnly(code: string): string {
  const lines = code.split("\n");
  const start = lines.findIndex((line) => /^[ \t]+\S/.test(line));
  if (start < 0) return code.trim();
  const end = lines.findIndex((line, index) => index > start && /^\S/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join("\n").trimEnd();
}

/** The fenced blocks of an answer, Python ones only when there are any. */
function fencedBlocks(answer: string): string[] {
  const blocks: { tag: string; code: string }[] = [];
  for (const match of answer.matchAll(FENCE)) {
    blocks.push({ tag: match[2].toLowerCase(), code: match[3] });
  }
  const python = blocks.filter((block) => PYTHON_TAGS.has(block.tag));
  return (python.length > 0 ? python : blocks).map((block) => block.code);
}

/**
 * The Python code of a model's answer: the fenced block that defines `entryPoint` (the first
 * such, else the first Python block), or the bare answer; `<think>` reasoning, prose and
 * top-level example calls are dropped. An answer without a definition of `entryPoint` is taken
 * as a function body and returned from its first indented line.
 *
 * @example
 * ```ts
 * import { extractCode } from "./extract_code.ts";
 * const answer = "Here you go:\n~~~python\ndef add(a, b):\n    return a + b\n~~~\nDone.";
 * extractCode(answer, "add"); // "def add(a, b):\n    return a + b"
 * ```
 */
export function extractCode(answer: string, entryPoint: string): string {
  assertIdentifier(entryPoint);
  const text = dropReasoning(answer).replaceAll("\r\n", "\n");
  const defines = definesPattern(entryPoint);
  const blocks = fencedBlocks(text).map(dedent);
  const code = blocks.find((block) => defines.test(block)) ?? blocks[0] ?? text;
  if (defines.test(code)) return keepDefinitions(code);
  // A definition indented as a whole (a quoted answer): outdent by the indentation of its def.
  const indented = new RegExp(`^([ \\t]+)(?:async\\s+)?def\\s+${entryPoint}\\s*\\(`, "m").exec(
    code,
  );
  if (indented) {
    const indent = indented[1];
    const outdented = code.split("\n").map((line) =>
      line.startsWith(indent) ? line.slice(indent.length) : line
    );
    return keepDefinitions(outdented.join("\n"));
  }
  return blocks.length > 0 ? code.trimEnd().replace(/^\s*\n/, "") : bodyOnly(code);
}
