/** Canonical JSON: object keys sorted recursively, no whitespace, `undefined` fields dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Hex sha256 of a string or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Stable hash of a resolved configuration: sha256 of its canonical JSON.
 *
 * @example
 * ```ts
 * import { configHash } from "./hash.ts";
 * const a = await configHash({ b: 1, a: [1, 2] });
 * const b = await configHash({ a: [1, 2], b: 1 });
 * if (a !== b) throw new Error("key order must not matter");
 * ```
 */
export function configHash(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}
