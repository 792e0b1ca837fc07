import { ensure, readParams } from './params.js';
import type { TaskGenerator } from './types.js';

export interface MqarParams extends Record<string, number> {
  seqLen: number;
  pairs: number;
  vocab: number;
}

/**
 * Multi-query associative recall (Zoology, Arora et al. 2023). A sequence opens with `pairs`
 * key–value pairs `k1 v1 k2 v2 …` (distinct keys from the lower half of the vocabulary, distinct
 * values from the upper half), followed by a query region in which every key appears once more,
 * at a random even offset, in random order; the other query-region positions hold random tokens.
 * At each repeated key the model must output the value that followed it in the context.
 *
 * Token 0 is never a key or value (it only occurs as filler), as in Zoology. Queries are placed
 * uniformly over the query region's even slots (Zoology draws the gaps from a power law that
 * favours short gaps; uniform gaps make no rung easier by chance).
 */
export const mqarGenerator: TaskGenerator<MqarParams> = {
  id: 'mqar',
  params: {
    seqLen: 'sequence length (even)',
    pairs: 'key–value pairs per sequence (each queried once)',
    vocab: 'vocabulary size: keys from 1 … vocab/2 − 1, values from vocab/2 … vocab − 1',
  },
  validate(raw) {
    const p = readParams<MqarParams>('mqar', raw, { seqLen: { min: 4 }, pairs: { min: 1 }, vocab: { min: 4 } });
    ensure('mqar', p.seqLen % 2 === 0, `seqLen must be even (keys sit at even positions), got ${p.seqLen}.`);
    ensure('mqar', 4 * p.pairs <= p.seqLen, `seqLen ${p.seqLen} is too short for ${p.pairs} pairs: the context (2·pairs) and the query region (≥ 2·pairs) need seqLen ≥ ${4 * p.pairs}.`);
    ensure('mqar', p.pairs <= Math.floor(p.vocab / 2) - 1, `vocab ${p.vocab} has ${Math.floor(p.vocab / 2) - 1} distinct keys, fewer than pairs ${p.pairs}: use vocab ≥ ${2 * (p.pairs + 1)}.`);
    return p;
  },
  format(p) {
    const half = Math.floor(p.vocab / 2);
    return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'next-token', answerTokens: Array.from({ length: p.vocab - half }, (_, i) => half + i) };
  },
  example(p, rng) {
    const half = Math.floor(p.vocab / 2);
    const keys = rng.distinct(p.pairs, 1, half);
    const values = rng.distinct(p.pairs, half, p.vocab);
    const L = p.seqLen;
    const inputs = new Array<number>(L);
    const targets = new Array<number>(L).fill(0);
    const mask = new Array<boolean>(L).fill(false);
    for (let i = 0; i < p.pairs; i++) {
      inputs[2 * i] = keys[i]!;
      inputs[2 * i + 1] = values[i]!;
    }
    const context = 2 * p.pairs;
    for (let t = context; t < L; t++) inputs[t] = rng.int(p.vocab);
    const slots = rng.distinct(p.pairs, 0, (L - context) / 2);
    const order = rng.shuffle(Array.from({ length: p.pairs }, (_, i) => i));
    order.forEach((pair, q) => {
      const pos = context + 2 * slots[q]!;
      inputs[pos] = keys[pair]!;
      targets[pos] = values[pair]!;
      mask[pos] = true;
    });
    return { inputs, targets, mask };
  },
};
