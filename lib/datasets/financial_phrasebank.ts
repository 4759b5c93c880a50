import { z } from "zod";
import { malformed, readDatasetBytes, sampleId } from "./_read.ts";
import type { ResolveDatasetOptions } from "./resolve.ts";

/** The sentiment labels, sorted. */
export const FINANCIAL_PHRASEBANK_LABELS = ["negative", "neutral", "positive"] as const;
/** A Financial PhraseBank sentiment label. */
export type FinancialPhraseBankLabel = typeof FINANCIAL_PHRASEBANK_LABELS[number];

/** The annotator-agreement subsets (nested: AllAgree ⊂ 75Agree ⊂ 66Agree ⊂ 50Agree). */
export const FINANCIAL_PHRASEBANK_AGREEMENTS = [
  "50Agree",
  "66Agree",
  "75Agree",
  "AllAgree",
] as const;
/** A Financial PhraseBank agreement subset. */
export type FinancialPhraseBankAgreement = typeof FINANCIAL_PHRASEBANK_AGREEMENTS[number];

/** One sentence: `id` is `financial_phrasebank/<agreement>/<line index, 5 digits>`. */
export const FinancialPhraseBankSampleSchema = z.object({
  id: z.string().regex(/^financial_phrasebank\/(50Agree|66Agree|75Agree|AllAgree)\/\d{5}$/),
  text: z.string().min(1),
  label: z.enum(FINANCIAL_PHRASEBANK_LABELS),
});
/** One sentence with its sentiment label. */
export type FinancialPhraseBankSample = z.output<typeof FinancialPhraseBankSampleSchema>;

/** Options for {@linkcode loadFinancialPhraseBank}. */
export interface FinancialPhraseBankOptions extends ResolveDatasetOptions {
  /** Which agreement subset to load. @default "50Agree" */
  agreement?: FinancialPhraseBankAgreement;
}

/**
 * Load a Financial PhraseBank subset: ISO-8859-1 `sentence@label` lines (CRLF), split on the last
 * `@`. Text is kept as decoded, upstream mojibake included, to stay comparable with published
 * results. Licence: CC BY-NC-SA 3.0 (non-commercial).
 */
export async function loadFinancialPhraseBank(
  options: FinancialPhraseBankOptions = {},
): Promise<FinancialPhraseBankSample[]> {
  const agreement = options.agreement ?? "50Agree";
  if (!FINANCIAL_PHRASEBANK_AGREEMENTS.includes(agreement)) {
    throw new RangeError(
      `Unknown Financial PhraseBank agreement '${agreement}': available are ${
        FINANCIAL_PHRASEBANK_AGREEMENTS.join(", ")
      }`,
    );
  }
  const file = `Sentences_${agreement}.txt`;
  const { ref, bytes } = await readDatasetBytes("financial_phrasebank", file, options);
  // "latin1" is windows-1252 for TextDecoder; the files hold no 0x80-0x9F bytes, so this is the
  // same as ISO-8859-1 here.
  const lines = new TextDecoder("latin1").decode(bytes).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const labels: readonly string[] = FINANCIAL_PHRASEBANK_LABELS;
  return lines.map((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const at = line.lastIndexOf("@");
    if (at < 0) throw malformed(ref, index + 1, "no '@' separating sentence and label", line);
    const text = line.slice(0, at);
    const label = line.slice(at + 1);
    if (!labels.includes(label)) {
      throw malformed(ref, index + 1, `unknown label (expected ${labels.join(", ")})`, label);
    }
    if (text.trim() === "") throw malformed(ref, index + 1, "empty sentence", line);
    return FinancialPhraseBankSampleSchema.parse({
      id: sampleId(`financial_phrasebank/${agreement}`, index),
      text,
      label,
    });
  });
}
