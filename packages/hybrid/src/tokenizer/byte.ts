import type { Tokenizer, TokenizerConfig } from './types.js';
import { END_OF_TEXT } from './types.js';
import { checkTokenIds } from './ids.js';

/** Id of `<|endoftext|>` in the byte tokenizer: the first id after the 256 byte values. */
export const BYTE_EOT_ID = 256;
export const BYTE_VOCAB_SIZE = 257;

const encoder = new TextEncoder();
// Non-fatal: an invalid or cut sequence becomes U+FFFD. ignoreBOM keeps a leading U+FEFF, which
// would otherwise be dropped and break exact round trips.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * UTF-8 bytes as tokens (ids 0..255) plus `<|endoftext|>` (id 256) as BOS and EOS. The tiny
 * presets use it: with a 50K vocabulary the output layer would dominate a tiny model's cost.
 * Every well-formed string round-trips exactly; a lone surrogate cannot be written in UTF-8 and is
 * encoded as U+FFFD, as TextEncoder does.
 */
export function byteTokenizer(): Tokenizer {
  return {
    kind: 'byte',
    vocabSize: BYTE_VOCAB_SIZE,
    bosId: BYTE_EOT_ID,
    eosId: BYTE_EOT_ID,
    encode(text: string): number[] {
      return Array.from(encoder.encode(text));
    },
    decode(ids: number[]): string {
      checkTokenIds(ids, BYTE_VOCAB_SIZE, 'byte');
      // Bytes between two end-of-text markers are decoded separately, so a marker never joins
      // the halves of a character around it.
      let out = '';
      let start = 0;
      for (let i = 0; i <= ids.length; i++) {
        if (i === ids.length || ids[i] === BYTE_EOT_ID) {
          if (i > start) out += decoder.decode(Uint8Array.from(ids.slice(start, i)));
          if (i < ids.length) out += END_OF_TEXT;
          start = i + 1;
        }
      }
      return out;
    },
    toConfig(): TokenizerConfig {
      return { kind: 'byte' };
    },
  };
}
