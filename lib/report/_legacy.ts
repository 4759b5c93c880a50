/** Reading records written before a nullable field existed. @module */
import { z } from "zod";

/**
 * `schema` preceded by a step that sets absent fields to null where the schema allows null and has
 * no default
 * (a measurement an older run did not make is "not measured", never a number). `filled` counts,
 * per field, how many records needed it, so the loader can say so once per file.
 */
export function tolerantSchema<T extends z.ZodObject>(
  schema: T,
  filled: Map<string, number>,
): z.ZodType<z.output<T>> {
  // A field with a default (or optional) needs no filling: the schema handles its absence.
  const nullable = Object.entries(schema.shape)
    .filter(([, field]) =>
      (field as z.ZodType).safeParse(null).success &&
      !(field as z.ZodType).safeParse(undefined).success
    )
    .map(([key]) => key);
  return z.preprocess((data) => {
    if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
    let copy: Record<string, unknown> | null = null;
    for (const key of nullable) {
      if (key in data) continue;
      copy ??= { ...(data as Record<string, unknown>) };
      copy[key] = null;
      filled.set(key, (filled.get(key) ?? 0) + 1);
    }
    return copy ?? data;
  }, schema) as unknown as z.ZodType<z.output<T>>;
}
