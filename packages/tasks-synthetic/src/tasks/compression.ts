import { readParams } from './params.js';
import type { TaskGenerator } from './types.js';

export interface CompressionParams extends Record<string, number> {
  seqLen: number;
  vocab: number;
}

/**
 * MAD's compression: seqLen − 1 random tokens (0 … vocab − 2, with replacement) followed by a
 * compression token (vocab − 1). The model reads the sequence and only its hidden state at the
 * compression token is kept; a small MLP decoder, given that state plus a position embedding,
 * must restore the token at every position (the `reconstruct` head). Every content position is
 * scored; the compression token itself is not (MAD scores it too, which only adds a free answer).
 */
export const compressionGenerator: TaskGenerator<CompressionParams> = {
  id: 'compression',
  params: {
    seqLen: 'sequence length, compression token included',
    vocab: 'vocabulary size: content tokens 0 … vocab − 2, then the compression token',
  },
  validate: (raw) => readParams<CompressionParams>('compression', raw, { seqLen: { min: 2 }, vocab: { min: 3 } }),
  format(p) {
    return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'reconstruct', answerTokens: Array.from({ length: p.vocab - 1 }, (_, i) => i) };
  },
  example(p, rng) {
    const inputs = Array.from({ length: p.seqLen - 1 }, () => rng.int(p.vocab - 1));
    inputs.push(p.vocab - 1);
    const mask = inputs.map((_, i) => i < p.seqLen - 1);
    const targets = inputs.map((t, i) => (mask[i] ? t : 0));
    return { inputs, targets, mask };
  },
};
