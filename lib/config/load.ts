import { parseDocument, YAMLParseError } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./_errors.ts";

/** Options for {@linkcode parseWithSchema}. */
export interface ParseOptions {
  /** Prefix put before field paths in messages (e.g. `models`). @default "" */
  pathPrefix?: string;
  /** Allowed values of discriminator fields, for messages (e.g. `{backend: [...]}`). @default {backend: [...]} */
  discriminatorValues?: Record<string, string[]>;
}

/** Parse already-decoded data with a zod schema, turning the first issue into a {@linkcode ConfigError}. */
export function parseWithSchema<S extends z.ZodType>(
  data: unknown,
  schema: S,
  file: string,
  options: ParseOptions = {},
): z.output<S> {
  options = { discriminatorValues: { backend: ["embedded", "lmstudio", "openai"] }, ...options };
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String);
  const field = [options.pathPrefix, ...path].filter(Boolean).join(".");
  // A bad record key: the value to show is the key itself; a secret is never shown.
  const found = issue.code === "invalid_key" ? path.at(-1) : valueAt(data, path);
  const value = SECRET_FIELDS.has(path.at(-1) ?? "") ? hidden(found) : found;
  const more = result.error.issues.length > 1
    ? ` (and ${result.error.issues.length - 1} more issue(s))`
    : "";
  throw new ConfigError(file, field, value, `${describeIssue(issue, options)}${more}`, {
    cause: result.error,
  });
}

function describeIssue(issue: z.core.$ZodIssue, options: ParseOptions): string {
  if (issue.code === "unrecognized_keys") {
    return `has unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  }
  if (issue.code === "invalid_key") {
    const inner = issue.issues[0]?.message ?? issue.message;
    return `is not a valid name (${inner})`;
  }
  if (issue.code === "invalid_union" && "discriminator" in issue) {
    const kinds = options.discriminatorValues?.[String(issue.discriminator)];
    return kinds ? `must be one of ${kinds.join(", ")}` : "must be one of the known kinds";
  }
  return issue.message.startsWith("must") ? issue.message : `is invalid: ${issue.message}`;
}

/** Fields whose values are secrets: messages say only how long they are. */
const SECRET_FIELDS = new Set(["api_key"]);

function hidden(value: unknown): string {
  return typeof value === "string" ? `(hidden: ${value.length} characters)` : "(hidden)";
}

function valueAt(data: unknown, path: string[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Read a YAML file and validate it; every failure is a {@linkcode ConfigError} naming the file. */
export async function loadYamlFile<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(path, "", undefined, "cannot be read (does the file exist?)", {
      cause: error,
    });
  }
  return parseWithSchema(parseYamlText(text, path), schema, path);
}

/** What a YAML syntax error means, in words, by the parser's error code. */
const YAML_PROBLEMS: Record<string, string> = {
  DUPLICATE_KEY: "a key appears twice in the same mapping",
  TAB_AS_INDENT: "a tab is used for indentation (YAML allows spaces only)",
  BAD_INDENT: "the indentation is wrong or a bracket is not closed",
  MISSING_CHAR: "a closing character (quote or bracket) is missing",
  BLOCK_AS_IMPLICIT_KEY: "a mapping is nested on one line (quote a value holding ': ')",
  MULTILINE_IMPLICIT_KEY: "a key runs over several lines",
  UNEXPECTED_TOKEN: "an unexpected character",
  BAD_SCALAR_START: "a value starts with a reserved character (quote it)",
};

/**
 * Parse YAML text; a syntax error is a {@linkcode ConfigError} naming the file, the line and
 * column, what is wrong (a duplicate key and its name, a tab, an unclosed bracket or quote) and
 * the text of that line as the current value.
 */
export function parseYamlText(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const error = doc.errors[0];
  if (!error) return doc.toJS();
  const lines = text.split(/\r?\n/);
  const pos = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
  const lineText = pos ? lines[pos.line - 1] ?? "" : "";
  const parser = error.message.split(/ at line \d+, column \d+/)[0].split("\n")[0];
  let what = YAML_PROBLEMS[error.code] ?? parser;
  if (error.code === "DUPLICATE_KEY") {
    const key = lineText.match(/^\s*(?:-\s+)?["']?([^"':#]+?)["']?\s*:/)?.[1];
    if (key) what = `the key '${key}' appears twice in the same mapping`;
  }
  const where = pos ? `line ${pos.line}, column ${pos.col}` : "";
  throw new ConfigError(
    file,
    where,
    pos ? (lineText.trim() === "" ? "(an empty line)" : lineText) : undefined,
    `is not valid YAML: ${what} (parser: ${parser})`,
    { cause: error },
  );
}
