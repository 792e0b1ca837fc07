import { DeconattnError } from '@deconattn/core';
import type { Tokenizer } from '../tokenizer/types.js';
import { checkInt } from './checks.js';

const ALNUM = /[\p{L}\p{N}]/u;

/**
 * End of the longest prefix of `text` up to `limit` characters that ends at a safe point: a
 * line break followed by a letter or digit, or a single space between letters or digits. No
 * byte-level BPE pre-token crosses such a point (a word carries at most one leading space and
 * never a newline; the space-run added tokens need two spaces; NFC composes nothing there), so
 * the prefix's tokens are exactly the first tokens of the whole text. Without a safe point it
 * returns the whole length, which is always exact.
 */
function safeCut(text: string, limit: number): number {
  if (limit >= text.length) return text.length;
  for (let p = limit; p > 0; p--) {
    const prev = text[p - 1];
    const next = text[p];
    if (prev === '\n' && ALNUM.test(next)) return p;
    if (next === ' ' && p + 1 < text.length && ALNUM.test(prev) && ALNUM.test(text[p + 1])) return p;
  }
  return text.length;
}

/**
 * The first `length` tokens of `text` and their text. Tokenizes growing prefixes (cut at safe
 * points) rather than the whole text, so a long corpus costs only what the passage needs.
 */
export function passageFromText(tokenizer: Tokenizer, text: string, length: number): { text: string; tokenIds: number[] } {
  checkInt(length, 'Fixed passage length', 1);
  let budget = Math.max(1024, length * 8);
  for (;;) {
    const end = safeCut(text, budget);
    const ids = tokenizer.encode(text.slice(0, end));
    if (ids.length >= length) {
      const tokenIds = ids.slice(0, length);
      return { text: tokenizer.decode(tokenIds), tokenIds };
    }
    if (end >= text.length) {
      throw new DeconattnError(
        `The passage text has only ${ids.length} ${tokenizer.kind} tokens; ${length} are needed. Supply a longer text or a shorter length.`,
      );
    }
    budget *= 2;
  }
}
