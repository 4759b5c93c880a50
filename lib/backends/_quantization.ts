/** Comparing quantization labels across servers' spellings. @module */

function normalizeQuant(q: string | null | undefined): string {
  return (q ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** True when two quantization labels name the same thing (`Q4_K_M` = `q4-k-m`, `4bit` = `4-bit`). */
export function sameQuantization(
  a: string | null | undefined,
  b: string | null | undefined,
): boolean {
  return normalizeQuant(a) === normalizeQuant(b);
}
