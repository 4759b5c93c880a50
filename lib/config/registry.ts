/** A name that is not in a registry: the message lists what exists. */
export class UnknownNameError extends Error {
  constructor(kind: string, name: string, available: string[], options?: ErrorOptions) {
    super(
      `Unknown ${kind} '${name}': available are ${available.join(", ") || "(none)"}`,
      options,
    );
    this.name = "UnknownNameError";
  }
}

/**
 * Look a name up in a record, with a miss that lists the available names.
 *
 * @example
 * ```ts
 * import { lookup } from "./registry.ts";
 * const v = lookup("scenario", { a: 1, b: 2 }, "b");
 * if (v !== 2) throw new Error("lookup failed");
 * ```
 */
export function lookup<T>(kind: string, registry: Record<string, T>, name: string): T {
  if (Object.hasOwn(registry, name)) return registry[name];
  throw new UnknownNameError(kind, name, Object.keys(registry));
}

/**
 * Expand a comma-separated selection (or `all`) into known names, in registry order. A
 * selection that names nothing (`""`, `","`) is an UnknownNameError, never "all".
 */
export function selectNames(
  kind: string,
  registry: Record<string, unknown>,
  selection: string | string[],
): string[] {
  const parts = (Array.isArray(selection) ? selection : selection.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) {
    throw new UnknownNameError(
      kind,
      Array.isArray(selection) ? selection.join(",") : selection,
      [...Object.keys(registry), "all"],
    );
  }
  if (parts.includes("all")) return Object.keys(registry);
  for (const p of parts) lookup(kind, registry, p);
  return [...new Set(parts)];
}
