/** The cause of an invalid or missing answer, recorded per sample. @module */
import type { InvalidReason } from "../results/mod.ts";
import type { ScoreInvalidReason } from "./task.ts";

/** What the cause of an invalid answer is decided from. */
export interface InvalidFacts {
  /** The request's error message, or null. */
  error: string | null;
  /** Whether the scorer mapped the answer. */
  valid: boolean;
  /** The scorer's reason (null or absent: it gave none). */
  scorerReason?: ScoreInvalidReason | null;
  /** The answer as received. */
  rawOutput: string;
  /** The backend's finish reason (`length` when max_tokens cut the answer). */
  finishReason: string | null;
}

/**
 * The cause of an invalid answer (null when the answer is valid): `error` for a failed request;
 * `truncated` when nothing usable was found (or the text is empty) and max_tokens cut the answer;
 * else the scorer's reason (`several_labels`, `empty`, `no_label`), `empty` for a blank answer
 * and `no_label` by default.
 *
 * @example
 * ```ts
 * import { invalidReason } from "./_invalid.ts";
 * const facts = { error: null, valid: false, rawOutput: '{"label": "', finishReason: "length" };
 * if (invalidReason(facts) !== "truncated") throw new Error();
 * ```
 */
export function invalidReason(facts: InvalidFacts): InvalidReason | null {
  if (facts.error !== null) return "error";
  if (facts.valid) return null;
  const seen = facts.scorerReason ?? (facts.rawOutput.trim() === "" ? "empty" : "no_label");
  if (seen !== "several_labels" && facts.finishReason === "length") return "truncated";
  return seen;
}
