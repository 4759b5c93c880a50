import { parse as parseYaml, YAMLParseError } from "yaml";
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
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos
      ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
      : "";
    throw new ConfigError(path, "", text.slice(0, 60), `is not valid YAML${where}`, {
      cause: error,
    });
  }
  return parseWithSchema(data, schema, path);
}
