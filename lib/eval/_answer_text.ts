/**
 * Preparing a model's answer for extraction, shared by the label, letter and number
 * extractors: reasoning blocks and code fences removed, and the answer cut where the model
 * starts inventing the next example of a few-shot prompt.
 * @module
 */

/** Reasoning blocks some models write before their answer (`<think>…</think>` and kin). */
const REASONING_BLOCK = /<(think|thinking|reasoning|reflection)>[\s\S]*?<\/\1>/gi;
/** An opening reasoning tag never closed: the rest is reasoning (the answer was cut inside it). */
const OPEN_REASONING = /<(?:think|thinking|reasoning|reflection)>[\s\S]*$/i;
/** A closing tag left without its opening one (the server sent the reasoning apart). */
const STRAY_CLOSE = /^[\s\S]*<\/(?:think|thinking|reasoning|reflection)>/i;

/**
 * The answer without reasoning: closed blocks removed, an unclosed opening block dropped to the
 * end, and everything up to a stray closing tag dropped.
 *
 * @example
 * ```ts
 * import { stripReasoning } from "./_answer_text.ts";
 * if (stripReasoning("<think>card or pin?</think>\npin_blocked") !== "\npin_blocked") {
 *   throw new Error();
 * }
 * ```
 */
export function stripReasoning(text: string): string {
  return text.replace(REASONING_BLOCK, "").replace(STRAY_CLOSE, "").replace(OPEN_REASONING, "");
}

/**
 * The answer with Markdown code fences replaced by their content (the info string such as
 * `json` or `text` dropped); an opening fence never closed keeps what follows it.
 *
 * @example
 * ```ts
 * import { stripFences } from "./_answer_text.ts";
 * if (stripFences("~~~text\ncard_arrival\n~~~").trim() !== "card_arrival") throw new Error();
 * ```
 */
export function stripFences(text: string): string {
  return text.replace(/^[ \t]*(?:```|~~~)[^\n`]*$/gm, "");
}

/**
 * Lines that start the next example of a few-shot prompt (an invented query, sentence or
 * question) or a new chat turn: what follows is not the answer to this prompt.
 */
export const CONTINUATION_LINE =
  /^\s*(?:(?:query|sentence|question|text|input|customer|user|human)\s*:|<\|im_start\|>|<start_of_turn>|<\|user\|>)/im;

/**
 * The answer up to the first line that starts an invented next example or chat turn
 * ({@linkcode CONTINUATION_LINE}) after some answer text. A first line with such a word is kept:
 * small models write `Sentence: Negative` for the sentence's label.
 *
 * @example
 * ```ts
 * import { cutContinuation } from "./_answer_text.ts";
 * if (cutContinuation("Intent: card_arrival\n\nQuery: where is it?\nIntent: card_linking")
 *   .trim() !== "Intent: card_arrival") throw new Error();
 * ```
 */
export function cutContinuation(text: string): string {
  const pattern = new RegExp(CONTINUATION_LINE.source, "gim");
  for (const m of text.matchAll(pattern)) {
    const at = m.index + m[0].search(/\S/);
    if (text.slice(0, at).trim() !== "") return text.slice(0, at);
  }
  return text;
}

/** The answer a reader reads: reasoning and fences removed, cut at an invented continuation. */
export function answerBody(text: string): string {
  return cutContinuation(stripFences(stripReasoning(text)));
}

/**
 * Whether the answer starts by copying the prompt (a pretrained model continuing the text it was
 * given): its first line, of 24 characters or more, occurs word for word in the prompt. Such an
 * answer was not on its way to an answer even when max_tokens cut it.
 *
 * @example
 * ```ts
 * import { echoesPrompt } from "./_answer_text.ts";
 * const prompt = "Solve the math word problem. Think step by step.\n\nQuestion: 2 + 2?";
 * if (!echoesPrompt("Solve the math word problem. Think step by step.\n\nQuestion:", prompt)) {
 *   throw new Error();
 * }
 * ```
 */
export function echoesPrompt(answer: string, prompt: string): boolean {
  const first = stripReasoning(answer).split("\n").map((l) => l.trim()).find((l) => l !== "");
  return first !== undefined && first.length >= 24 && prompt.includes(first);
}
