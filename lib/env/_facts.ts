/** The platform-specific part of the environment, and helpers its capturers share. @module */
import type { Environment } from "./_schema.ts";

/** What a platform capturer finds: everything but host, Deno, git, LM Studio and the time. */
export interface SystemFacts
  extends Pick<Environment, "cpu" | "machine" | "memory_bytes" | "power"> {
  /** OS facts other than the platform name. */
  os: Omit<Environment["os"], "platform">;
}

/** A positive integer written in `text` (surrounding whitespace allowed), else null. */
export function positiveInt(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
