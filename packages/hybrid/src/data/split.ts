import { DeconattnError } from '@deconattn/core';
import { checkTokens } from './checks.js';

/**
 * The fixed held-out split: the LAST `valFraction` of the token stream (floor(n·valFraction)
 * tokens) is validation, everything before it is training. It depends only on the stream, never
 * on a seed, so every run, resume and preset on the same corpus and tokenizer validates on the
 * same text, and no training window can overlap it (training samples from `train` alone).
 * For tiny-shakespeare that is the end of the play collection. The two parts are views into
 * `tokens` (no copy).
 */
export function splitTokens(tokens: Int32Array, valFraction = 0.1): { train: Int32Array; val: Int32Array } {
  checkTokens(tokens, 'splitTokens');
  if (typeof valFraction !== 'number' || !(valFraction >= 0 && valFraction < 1)) {
    throw new DeconattnError(`splitTokens: valFraction must be a number in [0, 1), got ${String(valFraction)} (0.1 holds out the last 10%).`);
  }
  const n = tokens.length;
  const nVal = Math.floor(n * valFraction);
  if (n === 0) throw new DeconattnError('splitTokens: the token stream is empty; tokenize a non-empty corpus first.');
  if (valFraction > 0 && nVal === 0) {
    throw new DeconattnError(
      `splitTokens: ${n} tokens are too few to hold out ${valFraction} of them for validation (that is less than one token); use a longer corpus or valFraction 0.`,
    );
  }
  return { train: tokens.subarray(0, n - nVal), val: tokens.subarray(n - nVal) };
}
