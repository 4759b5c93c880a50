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

/** Set the absent `keys` of a parsed record to null, counting each in `filled`. */
export function fillNulls(
  data: Record<string, unknown>,
  keys: readonly string[],
  filled: Map<string, number>,
): void {
  for (const key of keys) {
    if (key in data) continue;
    data[key] = null;
    filled.set(key, (filled.get(key) ?? 0) + 1);
  }
}
