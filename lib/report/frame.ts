/** Table rows as typed Polars frames (for CSV, Parquet and notebooks). @module */
import pl from "nodejs-polars";

/**
 * Rows as a Polars DataFrame with one typed column per name in `columns` (default: the first
 * row's keys): Int64 when every value is an integer, Float64 for other numbers, Bool, else Utf8;
 * a column with only nulls is Utf8. Empty rows give an empty frame with those columns.
 */
export function tableFrame(rows: readonly object[], columns?: readonly string[]): pl.DataFrame {
  const names = columns ?? Object.keys(rows[0] ?? {});
  const series = names.map((name) => {
    const values = rows.map((r) => (r as Record<string, unknown>)[name] ?? null);
    const present = values.filter((v) => v !== null);
    const dtype = present.length && present.every((v) => typeof v === "number")
      ? present.every((v) => Number.isInteger(v)) ? pl.Int64 : pl.Float64
      : present.length && present.every((v) => typeof v === "boolean")
      ? pl.Bool
      : pl.Utf8;
    const cast = dtype === pl.Utf8 ? values.map((v) => v === null ? null : String(v)) : values;
    return pl.Series(name, cast as unknown[], dtype);
  });
  return pl.DataFrame(series);
}
