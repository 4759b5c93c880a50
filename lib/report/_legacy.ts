/** Reading records written before a nullable field existed. @module */
import { z } from "zod";

/**
 * The fields of `schema` an older record may lack and that are read as null: those that accept
 * null and have no default (a field with a default, or optional, needs no filling: the schema
 * handles its absence).
 */
export function nullableKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) =>
      (field as z.ZodType).safeParse(null).success &&
      !(field as z.ZodType).safeParse(undefined).success
    )
    .map(([key]) => key);
}

type Filler = (data: Record<string, unknown>, filled: Map<string, number>) => void;
const fillers = new WeakMap<readonly string[], Filler>();

/**
 * Set the absent `keys` of a parsed record to null, counting each in `filled`. The check is
 * compiled once per key list into one test per key by name (this runs on every record a report
 * loads).
 */
export function fillNulls(
  data: Record<string, unknown>,
  keys: readonly string[],
  filled: Map<string, number>,
): void {
  let fill = fillers.get(keys);
  if (!fill) {
    const body = keys.map((key) => {
      const k = JSON.stringify(key);
      return `if (!(${k} in data)) { data[${k}] = null; filled.set(${k}, (filled.get(${k}) ?? 0) + 1); }`;
    }).join("\n");
    fill = new Function("data", "filled", body) as Filler;
    fillers.set(keys, fill);
  }
  fill(data, filled);
}
