import { ensure, readParams } from './params.js';
import type { TaskGenerator } from './types.js';

export interface SelectiveCopyingParams extends Record<string, number> {
  seqLen: number;
  vocab: number;
  /** Content tokens to copy. */
  copy: number;
}

/**
 * MAD's selective copying (after Gu & Dao's Mamba paper): `copy` content tokens are scattered, in
 * order, among blank tokens in the first seqLen − copy − 1 positions; then a copy token; then
 * `copy` blanks. At each of those last blanks the model must output the next content token, in
 * the order they appeared. Content tokens come from 0 … vocab − 3 (with replacement); vocab − 2
 * is the blank, vocab − 1 the copy token. (MAD inserts the blanks before content tokens only, so
 * its last content token always ends the first region; here the content positions are a uniform
 * random subset of that region.)
 */
export const selectiveCopyingGenerator: TaskGenerator<SelectiveCopyingParams> = {
  id: 'selective-copying',
  params: {
    seqLen: 'sequence length',
    vocab: 'vocabulary size: content tokens 0 … vocab − 3, then blank, then the copy token',
    copy: 'content tokens to copy',
  },
  validate(raw) {
    const p = readParams<SelectiveCopyingParams>('selective-copying', raw, { seqLen: { min: 4 }, vocab: { min: 4 }, copy: { min: 1 } });
    ensure('selective-copying', p.seqLen >= 2 * p.copy + 2, `seqLen ${p.seqLen} is too short to scatter ${p.copy} tokens among blanks and copy them back: use seqLen ≥ ${2 * p.copy + 2}.`);
    return p;
  },
  format(p) {
    return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'next-token', answerTokens: Array.from({ length: p.vocab - 2 }, (_, i) => i) };
  },
  example(p, rng) {
    const blank = p.vocab - 2;
    const copyToken = p.vocab - 1;
    const region = p.seqLen - p.copy - 1;
    const content = Array.from({ length: p.copy }, () => rng.int(p.vocab - 2));
    const positions = rng.distinct(p.copy, 0, region).sort((a, b) => a - b);
    const inputs = new Array<number>(p.seqLen).fill(blank);
    positions.forEach((pos, i) => (inputs[pos] = content[i]!));
    inputs[region] = copyToken;
    const targets = new Array<number>(p.seqLen).fill(0);
    const mask = new Array<boolean>(p.seqLen).fill(false);
    content.forEach((t, i) => {
      targets[region + 1 + i] = t;
      mask[region + 1 + i] = true;
    });
    return { inputs, targets, mask };
  },
};
