/**
 * Realistic banking cases (data/eval/realistic/*.yaml) and their explicit checks:
 *
 * - `json_schema`: the answer holds one JSON object (alone, in a ``` fence, or from the first `{`
 *   to the last `}` of the text) that satisfies the schema.
 * - `json_fields`: that object has each dotted field with the expected value (strings compare
 *   trimmed and case-insensitively, numbers numerically; a list of expected values means any of
 *   them).
 * - `required_content`: the answer contains every `all` item and at least one `any` item
 *   (case-insensitive substrings).
 * - `forbidden`: no `patterns` item (case-insensitive regular expression) matches the answer.
 * - `grounded`: every number in the answer (amounts, days, percentages) also occurs in the
 *   case's policy or input text, and every `facts` item occurs in the answer.
 * - `refusal`: the answer is (`expected: true`) or is not (`expected: false`) a refusal, detected
 *   with the phrases of {@linkcode REFUSAL_PATTERNS}.
 * @module
 */
import { z } from "zod";
import { jsonSchemaErrors } from "../perf/mod.ts";

const CheckSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }).strict(),
  z.object({
    type: z.literal("json_fields"),
    fields: z.record(z.string(), z.unknown()).refine((f) => Object.keys(f).length > 0, {
      message: "must name at least one field",
    }),
  }).strict(),
  z.object({
    type: z.literal("required_content"),
    all: z.array(z.string().min(1)).default([]),
    any: z.array(z.string().min(1)).default([]),
  }).strict(),
  z.object({ type: z.literal("forbidden"), patterns: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ type: z.literal("grounded"), facts: z.array(z.string().min(1)).default([]) }).strict(),
  z.object({ type: z.literal("refusal"), expected: z.boolean() }).strict(),
]);
/** One explicit check of a realistic case. */
export type CaseCheck = z.output<typeof CheckSchema>;

/** One case: synthetic input, optional policy text, checks, and an answer that passes them. */
export const RealisticCaseSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]+\/\d{3}$/, "must look like <category>/<3 digits>"),
  input: z.string().min(1),
  policy: z.string().min(1).optional(),
  checks: z.array(CheckSchema).min(1),
  /** An answer that passes every check (the tests hold the cases to it). */
  reference_answer: z.string().min(1),
}).strict();
/** One realistic case. */
export type RealisticCase = z.output<typeof RealisticCaseSchema>;

/** A case file: one category, its instruction (with `{{policy}}` where needed), its cases. */
export const RealisticCaseFileSchema = z.object({
  category: z.string().regex(/^[a-z0-9_]+$/),
  description: z.string().min(1),
  /** Instruction placed before the input; `{{policy}}` is replaced by the case's policy. */
  instruction: z.string().min(1),
  cases: z.array(RealisticCaseSchema).min(3),
}).strict();
/** A parsed case file. */
export type RealisticCaseFile = z.output<typeof RealisticCaseFileSchema>;

/** Phrases that mark a refusal (case-insensitive). */
export const REFUSAL_PATTERNS: readonly RegExp[] = [
  /\bI(?:'m| am)? (?:can ?not|can't|cannot|won't|will not|am unable to|'m unable to|unable to|am not able to|'m not able to|not able to)\b/i,
  /\b(?:we|the bank) (?:can ?not|can't|cannot|won't|will not|are unable to|are not able to|is unable to|is not able to) (?:help|assist|provide|process|share|disclose|approve|waive|carry out|complete|open|give|do that|do this)\b/i,
  /\b(?:not (?:permitted|allowed)|against (?:our|the bank's|bank) (?:policy|policies|rules))\b/i,
  /\b(?:I|we) (?:must|have to) (?:decline|refuse)\b/i,
  /\bunable to (?:help|assist|comply|process)\b/i,
];

/** Whether a text reads as a refusal. */
export function isRefusal(text: string): boolean {
  const t = text.replace(/[\u2018\u2019]/g, "'");
  return REFUSAL_PATTERNS.some((p) => p.test(t));
}

/** The JSON object in an answer (alone, fenced, or first `{` to last `}`), or undefined. */
export function extractJsonObject(text: string): unknown {
  const fenced = text.match(/```(?:json)?\s*\n?([\s\S]*?)```/);
  const candidates = [text.trim()];
  if (fenced) candidates.push(fenced[1].trim());
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const c of candidates) {
    try {
      const value = JSON.parse(c);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function fieldAt(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !(key in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return expected.some((e) => sameValue(actual, e));
  if (typeof expected === "string" && typeof actual === "string") {
    return actual.trim().toLowerCase() === expected.trim().toLowerCase();
  }
  if (typeof expected === "number") {
    const n = typeof actual === "string" ? Number(actual.replace(/,/g, "")) : actual;
    return typeof n === "number" && Math.abs(n - expected) < 1e-9;
  }
  return actual === expected;
}

const NUMBER = /\d[\d,]*(?:\.\d+)?/g;
const numbersIn = (text: string) =>
  new Set((text.match(NUMBER) ?? []).map((n) => String(Number(n.replace(/,/g, "")))));

/** The result of one check. */
export interface CheckResult {
  type: CaseCheck["type"];
  passed: boolean;
  /** Why it failed (empty when it passed). */
  message: string;
}

/** Run one check on an answer. */
export function runCheck(check: CaseCheck, answer: string, c: RealisticCase): CheckResult {
  const result = (passed: boolean, message = "") => ({ type: check.type, passed, message });
  const lower = answer.toLowerCase();
  switch (check.type) {
    case "json_schema": {
      const value = extractJsonObject(answer);
      if (value === undefined) return result(false, "no JSON object in the answer");
      const errors = jsonSchemaErrors(value, check.schema);
      return result(errors.length === 0, errors.slice(0, 3).join("; "));
    }
    case "json_fields": {
      const value = extractJsonObject(answer);
      if (value === undefined) return result(false, "no JSON object in the answer");
      const wrong = Object.entries(check.fields)
        .filter(([path, expected]) => !sameValue(fieldAt(value, path), expected))
        .map(([path, expected]) =>
          `${path}: expected ${JSON.stringify(expected)}, got ${
            JSON.stringify(fieldAt(value, path)) ?? "nothing"
          }`
        );
      return result(wrong.length === 0, wrong.join("; "));
    }
    case "required_content": {
      const missing = check.all.filter((s) => !lower.includes(s.toLowerCase()));
      const anyOk = check.any.length === 0 ||
        check.any.some((s) => lower.includes(s.toLowerCase()));
      const why = [
        ...missing.map((s) => `missing ${JSON.stringify(s)}`),
        ...(anyOk ? [] : [`none of ${JSON.stringify(check.any)}`]),
      ];
      return result(why.length === 0, why.join("; "));
    }
    case "forbidden": {
      const hits = check.patterns.filter((p) => new RegExp(p, "i").test(answer));
      return result(hits.length === 0, hits.map((p) => `matches /${p}/`).join("; "));
    }
    case "grounded": {
      const known = numbersIn(`${c.policy ?? ""}\n${c.input}`);
      const invented = [...numbersIn(answer)].filter((n) => !known.has(n));
      const missing = check.facts.filter((f) => !lower.includes(f.toLowerCase()));
      const why = [
        ...invented.map((n) => `number ${n} is not in the policy`),
        ...missing.map((f) => `missing fact ${JSON.stringify(f)}`),
      ];
      return result(why.length === 0, why.join("; "));
    }
    case "refusal": {
      const refused = isRefusal(answer);
      return result(
        refused === check.expected,
        refused === check.expected ? "" : check.expected ? "did not refuse" : "refused",
      );
    }
  }
}
