/**
 * A zod object schema compiled once into a plain predicate (generated JavaScript: straight-line
 * checks, one function per object), for reading millions of records: the
 * predicate says true only for a value the schema certainly accepts, and then fills the fields
 * that have a default in place, so the value is what the schema would output (unknown keys aside,
 * which it keeps and zod strips). Whatever it does not know (a refinement, a transform, a check
 * it does not implement) makes it say false, and the caller asks zod: same acceptance, same
 * messages, the cost of zod paid only on the lines that need it.
 * @module
 */
import type { z } from "zod";

/** A compiled check; for objects it also writes the defaults of absent fields into the value. */
export type FastCheck = (value: unknown) => boolean;

// The parts of zod 4's internal definition this reads (`schema._zod.def`).
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  innerType?: Schema;
  defaultValue?: unknown;
  values?: unknown[];
  entries?: Record<string, unknown>;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
}
interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: RegExp;
}
interface Schema {
  _zod: { def: Def };
}

/**
 * The generated source: one function per object, array and record schema, straight-line field
 * checks inside (a closure per field would be several times slower on a million records).
 * Constants (patterns, enum sets, defaults) live in `k`.
 */
class Source {
  /** Refuse (leave to zod, which strips them) objects holding keys their schema does not name. */
  constructor(readonly strict = false) {}
  k: unknown[] = [];
  functions: string[] = [];
  constant(value: unknown): string {
    this.k.push(value);
    return `k[${this.k.length - 1}]`;
  }
  fn(body: string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(v) {\n${body}\n}`);
    return name;
  }
}

const FALSE = "false";

function numberExpr(v: string, checks: CheckDef[]): string {
  const parts = [`typeof ${v} === "number"`, `Number.isFinite(${v})`];
  for (const c of checks) {
    if (c.check === "greater_than" && typeof c.value === "number") {
      parts.push(`${v} ${c.inclusive ? ">=" : ">"} ${c.value}`);
    } else if (c.check === "less_than" && typeof c.value === "number") {
      parts.push(`${v} ${c.inclusive ? "<=" : "<"} ${c.value}`);
    } else if (c.check === "number_format" && c.format === "safeint") {
      parts.push(`Number.isSafeInteger(${v})`);
    } else return FALSE;
  }
  return `(${parts.join(" && ")})`;
}

function stringExpr(v: string, checks: CheckDef[], src: Source): string {
  const parts = [`typeof ${v} === "string"`];
  for (const c of checks) {
    if (c.check === "min_length" && typeof c.minimum === "number") {
      parts.push(`${v}.length >= ${c.minimum}`);
    } else if (c.check === "max_length" && typeof c.maximum === "number") {
      parts.push(`${v}.length <= ${c.maximum}`);
    } else if (c.check === "string_format" && c.pattern instanceof RegExp) {
      // A copy without the global flags' state (lastIndex) between calls.
      const re = new RegExp(c.pattern.source, c.pattern.flags.replace(/[gy]/g, ""));
      // The last string that matched is remembered: the records of a file share their config
      // hash, run id and the like, so most tests are one comparison.
      const m = src.constant({ re, last: null as string | null });
      parts.push(`(${v} === ${m}.last || (${m}.re.test(${v}) && ((${m}.last = ${v}), true)))`);
    } else return FALSE;
  }
  return `(${parts.join(" && ")})`;
}

/** A JavaScript expression, true when `schema` certainly accepts the value named `v`. */
function expr(schema: Schema, v: string, src: Source): string {
  const def = schema._zod.def;
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  // A format schema (z.iso.datetime(), z.int(), ...) is its own first check.
  if (typeof (def as unknown as CheckDef).check === "string") {
    checks.unshift(def as unknown as CheckDef);
  }
  switch (def.type) {
    case "unknown":
    case "any":
      return "true";
    case "boolean":
      return checks.length ? FALSE : `(typeof ${v} === "boolean")`;
    case "number":
      return numberExpr(v, checks);
    case "string":
      return stringExpr(v, checks, src);
    case "literal": {
      const values = def.values ?? [];
      if (values.length === 0) return FALSE;
      return `(${values.map((x) => `${v} === ${src.constant(x)}`).join(" || ")})`;
    }
    case "enum":
      return `${src.constant(new Set(Object.values(def.entries ?? {})))}.has(${v})`;
    case "nullable":
      return `(${v} === null || ${expr(def.innerType!, v, src)})`;
    case "optional":
      return `(${v} === undefined || ${expr(def.innerType!, v, src)})`;
    case "array": {
      if (checks.length) return FALSE;
      const name = src.fn(`  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!${expr(def.element!, "x", src)}) return false;
  }
  return true;`);
      return `${name}(${v})`;
    }
    case "record": {
      const key = def.keyType!._zod.def;
      if (key.type !== "string" || (key.checks ?? []).length) return FALSE;
      const name = src.fn(
        `  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const key in v) {
    const x = v[key];
    if (!${expr(def.valueType!, "x", src)}) return false;
  }
  return true;`,
      );
      return `${name}(${v})`;
    }
    case "object":
      return `${objectFn(def, src)}(${v})`;
    default:
      // default outside an object field, pipe, transform, union, ...: zod decides.
      return FALSE;
  }
}

function objectFn(def: Def, src: Source): string {
  if (def.catchall && def.catchall._zod.def.type !== "unknown") return src.fn("  return false;");
  const lines = [
    `  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;`,
    "  let x;",
  ];
  if (src.strict) {
    const known = src.constant(new Set(Object.keys(def.shape ?? {})));
    lines.push(`  for (const key in v) if (!${known}.has(key)) return false;`);
  }
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const d = field._zod.def;
    const at = `v[${JSON.stringify(key)}]`;
    lines.push(`  x = ${at};`);
    if (d.type === "default") {
      // zod 4 stores the default's value; an object default is copied per record.
      const value = d.defaultValue;
      const fill = value !== null && typeof value === "object"
        ? `structuredClone(${src.constant(value)})`
        : src.constant(value);
      lines.push(
        `  if (x === undefined) ${at} = ${fill}; else if (!${
          expr(d.innerType!, "x", src)
        }) return false;`,
      );
    } else lines.push(`  if (!${expr(field, "x", src)}) return false;`);
  }
  lines.push("  return true;");
  return src.fn(lines.join("\n"));
}

function compile(schema: Schema, strict: boolean): FastCheck {
  const src = new Source(strict);
  const main = expr(schema, "value", src);
  const body = `${src.functions.join("\n")}\nreturn function check(value) { return ${main}; };`;
  return new Function("k", body)(src.k) as FastCheck;
}

const cache = new WeakMap<object, FastCheck>();
const strictCache = new WeakMap<object, FastCheck>();

/**
 * The predicate of `schema` (compiled once per schema): true means the schema accepts the value,
 * whose absent defaulted fields are now filled; false means "ask zod" (the value may still be
 * valid: a form the predicate does not know). `strict` also says false for an object holding a
 * key its schema does not name (zod would accept it and strip the key).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { fastCheck } from "./_fast_check.ts";
 * const check = fastCheck(z.object({ n: z.number().int().nonnegative(), tag: z.string().default("x") }));
 * const value: Record<string, unknown> = { n: 3 };
 * assert.equal(check(value), true);
 * assert.equal(value.tag, "x");
 * assert.equal(check({ n: -1 }), false);
 * ```
 */
export function fastCheck(schema: z.ZodType, options: { strict?: boolean } = {}): FastCheck {
  const strict = options.strict ?? false;
  const store = strict ? strictCache : cache;
  let check = store.get(schema);
  if (!check) {
    check = compile(schema as unknown as Schema, strict);
    store.set(schema, check);
  }
  return check;
}

/**
 * `schema.parse(value)` where the compiled predicate vouches for `value` (strictly: no key the
 * schema does not name, which zod would strip), so the result is what zod would return, without
 * zod's cost; else zod parses it (and throws its own error). The value itself is returned (defaults
 * filled in place), not a copy.
 */
export function fastParse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  return fastCheck(schema, { strict: true })(value) ? value as z.output<S> : schema.parse(value);
}
