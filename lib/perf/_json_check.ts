/**
 * A small JSON Schema checker for the scenario output check: `type` (one or a list, incl. null),
 * `enum`, `pattern`, `required`, `properties`, `additionalProperties: false`, `items`,
 * `minimum`/`maximum`. Other keywords are ignored (the scenario schemas use only these).
 */
export function jsonSchemaErrors(
  value: unknown,
  schema: Record<string, unknown>,
  path = "$",
): string[] {
  const errors: string[] = [];
  const types = schema.type === undefined ? null : ([] as unknown[]).concat(schema.type);
  if (types && !types.some((t) => matchesType(value, String(t)))) {
    return [`${path}: expected ${types.join("|")}, got ${typeOfJson(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (
    typeof value === "string" && typeof schema.pattern === "string" &&
    !new RegExp(schema.pattern).test(value)
  ) {
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      errors.push(`${path}: below ${schema.minimum}`);
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      errors.push(`${path}: above ${schema.maximum}`);
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in obj)) errors.push(`${path}.${key}: required`);
    }
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errors.push(...jsonSchemaErrors(v, props[key], `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
    }
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === "object") {
    value.forEach((v, i) =>
      errors.push(...jsonSchemaErrors(v, schema.items as Record<string, unknown>, `${path}[${i}]`))
    );
  }
  return errors;
}

function typeOfJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return Number.isInteger(v) ? "integer" : typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case "null":
      return v === null;
    case "array":
      return Array.isArray(v);
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      return false;
  }
}

/** Result of checking a model's JSON answer. */
export interface JsonOutputCheck {
  valid: boolean;
  /** The parsed object, when the text parsed. */
  value: unknown;
  errors: string[];
}

/**
 * Parse a model's answer as JSON (a surrounding ``` fence is tolerated, prose around it is not)
 * and check it against a schema.
 */
export function checkJsonOutput(text: string, schema: Record<string, unknown>): JsonOutputCheck {
  const fenced = text.trim().match(/^```(?:json)?\s*\n([\s\S]*?)\n?```$/);
  const body = (fenced ? fenced[1] : text).trim();
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { valid: false, value: undefined, errors: [`not JSON: ${(error as Error).message}`] };
  }
  const errors = jsonSchemaErrors(value, schema);
  return { valid: errors.length === 0, value, errors };
}
