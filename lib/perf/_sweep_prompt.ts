/**
 * Synthetic prompts of an exact length in tokens, built with the model's own count of the
 * rendered prompt (chat template included): the embedded engine's tokenizer, a server's
 * `/tokenize`, or a local GGUF tokenizer; without any, a stated approximation.
 * @module
 */
import type { ChatMessage, PromptTokenCount } from "../backends/mod.ts";
import { seededRandom } from "../stats/mod.ts";

/** Counts the tokens of a rendered chat (`Backend.countPromptTokens`); null when it cannot. */
export type PromptCounter = (messages: ChatMessage[]) => Promise<PromptTokenCount | null>;

/** The system prompt of every sweep request (after the request id). */
export const SWEEP_SYSTEM_PROMPT =
  "You are a text generator. Continue the list of words you are given, one word after another, and do not stop.";

/** Common English words, most of them one token in BPE vocabularies. */
const WORDS = (
  "the of and to in is you that it he was for on are as with his they at be this have from or " +
  "one had by word but not what all were we when your can said there use an each which she do " +
  "how their if will up other about out many then them these so some her would make like him " +
  "into time has look two more write go see number no way could people my than first water been " +
  "call who its now find long down day did get come made may part over new sound take only " +
  "little work know place year live me back give most very after thing our just name good " +
  "sentence man think say great where help through much before line right too mean old any same " +
  "tell boy follow came want show also around form three small set put end does another well " +
  "large must big even such because turn here why ask went men read need land different home us " +
  "move try kind hand picture again change off play spell air away animal house point page " +
  "letter mother answer found study still learn should world high every near add food between " +
  "own below country plant last school father keep tree never start city earth eye light thought"
).split(" ");

/** The filler: `count` words drawn from a fixed list with a fixed seed (same text every run). */
export function fillerWords(count: number, seed = 42): string {
  const random = seededRandom(seed);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = WORDS[Math.floor(random() * WORDS.length)];
  return out.join(" ");
}

/** Single-token pads tried, in order, to close the last gap to the target. */
const PADS = [" a", " the", ".", ",", " and", "!"];

/** A built prompt. */
export interface SweepPrompt {
  messages: ChatMessage[];
  /** Its length by `method`; null for the approximation (not counted). */
  tokens: number | null;
  method: "engine" | "server" | "tokenizer" | "approximation";
  /** `tokens` equals the target. */
  exact: boolean;
  /** Filler words and pads used (to rebuild or inspect). */
  words: number;
  pads: string;
}

/** Options for {@linkcode buildSweepPrompt}. */
export interface BuildSweepPromptOptions {
  /** The id that opens the system prompt (cold cache): the prompt is counted with it. */
  requestId?: string | null;
  /** Filler seed. @default 42 */
  seed?: number;
}

/** The sweep prompt's messages for `words` filler words plus `pads`. */
export function sweepMessages(
  words: number,
  pads: string,
  requestId: string | null,
  seed = 42,
): ChatMessage[] {
  return [
    {
      role: "system",
      content: requestId ? `${requestId}\n${SWEEP_SYSTEM_PROMPT}` : SWEEP_SYSTEM_PROMPT,
    },
    { role: "user", content: fillerWords(words, seed) + pads },
  ];
}

/** English BPE averages about 1.3 tokens per word: the approximation without a tokenizer. */
export const APPROX_TOKENS_PER_WORD = 1.3;

/**
 * Build the chat whose rendered prompt is exactly `target` tokens by `count`: the largest number
 * of filler words (at least one) that stays at or below the target (binary search; appending a
 * word never shortens the prompt), then single-token pads until the target is met. When no pad closes the
 * gap exactly, the closest prompt below the target is returned with `exact: false`. When `count`
 * cannot count (null), `target / 1.3` words are used and the method is `approximation`.
 * @throws {RangeError} when the target is shorter than the prompt with one filler word.
 */
export async function buildSweepPrompt(
  target: number,
  count: PromptCounter,
  options: BuildSweepPromptOptions = {},
): Promise<SweepPrompt> {
  const id = options.requestId ?? null;
  const seed = options.seed ?? 42;
  const at = async (words: number, pads: string) => {
    const counted = await count(sweepMessages(words, pads, id, seed));
    return counted;
  };
  // The shortest prompt has one filler word (an empty user turn may be left out of the template).
  const shortest = await at(1, "");
  if (shortest === null) {
    const words = Math.max(1, Math.round(target / APPROX_TOKENS_PER_WORD));
    return {
      messages: sweepMessages(words, "", id, seed),
      tokens: null,
      method: "approximation",
      exact: false,
      words,
      pads: "",
    };
  }
  const method = shortest.method;
  if (shortest.tokens > target) {
    throw new RangeError(
      `A sweep prompt of ${target} tokens is shorter than its chat template, system prompt and ` +
        `one word (${shortest.tokens} tokens by the ${method} count): choose prompt lengths of at ` +
        `least ${shortest.tokens}`,
    );
  }
  let lo = 1; // count(lo) <= target
  let hi = target + 1; // a word is at least one token: this many words exceed the target
  let loTokens = shortest.tokens;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const c = (await at(mid, ""))!.tokens;
    if (c <= target) {
      lo = mid;
      loTokens = c;
    } else hi = mid;
  }
  let pads = "";
  let tokens = loTokens;
  while (tokens < target) {
    let advanced = false;
    for (const pad of PADS) {
      const c = (await at(lo, pads + pad))!.tokens;
      if (c === tokens + 1) {
        pads += pad;
        tokens = c;
        advanced = true;
        break;
      }
    }
    if (!advanced) break;
  }
  return {
    messages: sweepMessages(lo, pads, id, seed),
    tokens,
    method,
    exact: tokens === target,
    words: lo,
    pads,
  };
}
