/** The cause of an invalid or missing answer, recorded per sample. @module */
import type { InvalidReason } from "../results/mod.ts";
import { answerBody } from "./_answer_text.ts";
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
 * `truncated` when max_tokens cut the answer (`finish_reason: length`) while it was unfinished
 * or before any answer text (all reasoning); an unfinished answer that stopped otherwise is
 * `no_label`. Else the scorer's reason (`several_labels`, `empty`, `no_label`): `empty` for a
 * blank answer and `no_label` by default. A complete answer that names no label is `no_label`
 * even when it was cut (a refusal that rambles to the limit was not on its way to a label).
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
  const seen = facts.scorerReason ?? textReason(facts.rawOutput);
  const cut = facts.finishReason === "length";
  if (seen === "unfinished") return cut ? "truncated" : "no_label";
  if (seen === "empty" && cut) return "truncated";
  return seen;
}

/**
 * The cause seen in the text alone, when no scorer gave one (records written before causes were
 * recorded): blank, an open JSON object or a last line ending in `:` (unfinished), else no label.
 */
function textReason(raw: string): ScoreInvalidReason {
  const body = answerBody(raw).trim();
  if (body === "") return "empty";
  const opened = (body.match(/{/g) ?? []).length > (body.match(/}/g) ?? []).length;
  return opened || body.endsWith(":") ? "unfinished" : "no_label";
}
