import { join } from "node:path";
import { type Fact, fact } from "./_fact.ts";

/** One personal-data match. */
export interface PersonalDataMatch {
  kind: "email" | "iban" | "card" | "phone";
  /** Letters and digits of the match, upper-case (for comparison with synthetic values). */
  key: string;
  /** The match with its middle masked, safe to print. */
  masked: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const PHONE = /\+\d{1,3}(?:[ .-]?\d){7,13}\b/g;

/** Domains reserved for documentation and tests (RFC 2606, RFC 6761). */
const RESERVED_DOMAIN = /(?:^|\.)(?:example(?:\.(?:com|org|net))?|test|invalid|localhost)$/i;
/** Phone ranges reserved for fiction: Ofcom +44 7700 900xxx, ARCEP +33 1 99 00 xx xx. */
const FICTION_PHONE = /^(?:447700900\d{3}|33199\d{6})$/;

function mask(text: string): string {
  return text.length <= 6 ? "***" : `${text.slice(0, 3)}***${text.slice(-2)}`;
}

function ibanValid(compact: string): boolean {
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = parseInt(ch, 36);
    if (Number.isNaN(v)) return false;
    for (const d of String(v)) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Personal data in a text: emails, IBANs with valid check digits, card numbers passing Luhn,
 * international phone numbers. Values on reserved test domains and fiction phone ranges are
 * left out: they cannot belong to a person.
 */
export function findPersonalData(text: string): PersonalDataMatch[] {
  const found: PersonalDataMatch[] = [];
  for (const m of text.matchAll(EMAIL)) {
    if (RESERVED_DOMAIN.test(m[1])) continue;
    found.push({ kind: "email", key: m[0].toUpperCase(), masked: mask(m[0]) });
  }
  for (const m of text.matchAll(IBAN)) {
    const compact = m[0].replace(/ /g, "");
    if (compact.length >= 15 && compact.length <= 34 && ibanValid(compact)) {
      found.push({ kind: "iban", key: compact, masked: mask(compact) });
    }
  }
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/\D/g, "");
    if (
      digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && !/^(\d)\1+$/.test(digits)
    ) {
      found.push({ kind: "card", key: digits, masked: mask(digits) });
    }
  }
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, "");
    if (FICTION_PHONE.test(digits)) continue;
    found.push({ kind: "phone", key: digits, masked: mask(m[0]) });
  }
  return found;
}

const PROMPT_KEY = /prompt|messages|^input$|context|system|^user$/i;

/** String values stored under prompt-like keys (`prompt`, `messages`, `input`, `system`…). */
export function promptTexts(record: unknown, underPrompt = false): string[] {
  if (typeof record === "string") return underPrompt ? [record] : [];
  if (Array.isArray(record)) return record.flatMap((v) => promptTexts(v, underPrompt));
  if (record !== null && typeof record === "object") {
    return Object.entries(record).flatMap(([k, v]) =>
      promptTexts(v, underPrompt || PROMPT_KEY.test(k))
    );
  }
  return [];
}

/** Options for {@linkcode personalDataFact}. */
export interface PersonalDataFactOptions {
  /** Text of the project's own synthetic fixtures (their values are not personal data). */
  syntheticText?: string;
  /** Largest file read, in bytes. @default 256 MiB */
  maxFileBytes?: number;
}

function* jsonlFiles(dir: string): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* jsonlFiles(p);
    else if (e.isFile && e.name.endsWith(".jsonl")) yield p;
  }
}

/**
 * Scan stored prompts (string values under prompt-like keys of every JSONL record in the results
 * folder) for emails, IBANs, card numbers and phone numbers that are not the synthetic fixtures'.
 */
export async function personalDataFact(
  resultsDir: string,
  options: PersonalDataFactOptions = {},
): Promise<Fact> {
  const synthetic = new Set(findPersonalData(options.syntheticText ?? "").map((m) => m.key));
  const maxBytes = options.maxFileBytes ?? 256 * 1024 * 1024;
  let files = 0, records = 0, withPrompts = 0, syntheticHits = 0;
  const findings: { file: string; line: number; kind: string; masked: string }[] = [];
  const skipped: string[] = [];
  for (const path of jsonlFiles(resultsDir)) {
    if ((await Deno.stat(path)).size > maxBytes) {
      skipped.push(path);
      continue;
    }
    files++;
    (await Deno.readTextFile(path)).split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      records++;
      const texts = promptTexts(record);
      if (texts.length) withPrompts++;
      for (const m of texts.flatMap(findPersonalData)) {
        if (synthetic.has(m.key)) syntheticHits++;
        else if (findings.length < 1000) {
          findings.push({ file: path, line: i + 1, kind: m.kind, masked: m.masked });
        }
      }
    });
  }
  const value = {
    files,
    records,
    records_with_prompts: withPrompts,
    synthetic_matches: syntheticHits,
    findings: findings.length,
    examples: findings.slice(0, 10),
    skipped,
  };
  if (findings.length) {
    return fact(
      "results_personal_data",
      "fail",
      value,
      `${findings.length} personal-data match(es) in stored prompts (emails, IBANs, card or phone numbers)`,
    );
  }
  return fact(
    "results_personal_data",
    skipped.length ? "unknown" : "pass",
    value,
    skipped.length
      ? `${skipped.length} file(s) too large to scan`
      : `${withPrompts} of ${records} record(s) store prompts; none holds personal data beyond synthetic fixtures`,
  );
}
