import { ensure, readParams } from './params.js';
import type { TaskExample, TaskGenerator } from './types.js';
import type { TaskRandom } from './random.js';

export interface RecallParams extends Record<string, number> {
  seqLen: number;
  vocab: number;
  /** Tokens reserved for noise (the top of the vocabulary); 0 for plain in-context recall. */
  noiseVocab: number;
  /** Probability that a two-token slot holds noise instead of a key–value pair. */
  fracNoise: number;
}

/**
 * MAD's in-context recall (Poli et al. 2024, multi-query form, as MAD's benchmark runs it): the
 * sequence is a stream of key–value pairs `k v k v …` with keys drawn *with* replacement from the
 * lower half of the non-noise vocabulary; each key keeps one value (from the upper half) for the
 * whole sequence. Whenever a key appears again, the model must output its value; first
 * appearances are not scored. The last pair repeats a key already shown, so every sequence asks
 * at least once. With `fracNoise` > 0 (noisy recall) each pair slot is, with that probability, two
 * tokens from a separate noise vocabulary that the model must learn to ignore.
 *
 * MAD trains on every next token and scores the recalled values; here training and scoring both
 * use the recalled values only (the loss mask), as Zoology does: the other next tokens are random
 * by construction and only add noise to the gradient.
 */
export function recallExample(task: string, p: RecallParams, rng: TaskRandom): TaskExample {
  const clean = p.vocab - p.noiseVocab;
  const half = Math.floor(clean / 2);
  const pairsTotal = p.seqLen / 2;
  const inputs: number[] = [];
  const targets: number[] = [];
  const mask: boolean[] = [];
  const valueOf = new Map<number, number>();
  // One slot (not the last) is always a real pair, so the closing query has a key to repeat.
  const forcedPair = rng.int(pairsTotal - 1);
  for (let i = 0; i < pairsTotal - 1; i++) {
    if (p.fracNoise > 0 && i !== forcedPair && rng.next() < p.fracNoise) {
      inputs.push(clean + rng.int(p.noiseVocab), clean + rng.int(p.noiseVocab));
      targets.push(0, 0);
      mask.push(false, false);
      continue;
    }
    const k = rng.int(half);
    const seen = valueOf.has(k);
    if (!seen) valueOf.set(k, half + rng.int(clean - half));
    const v = valueOf.get(k)!;
    inputs.push(k, v);
    // The value is predicted at the key's position (the model has read k and must say v).
    targets.push(seen ? v : 0, 0);
    mask.push(seen, false);
  }
  const shown = [...valueOf.keys()];
  ensure(task, shown.length > 0, 'internal: no key was shown before the final query.');
  const k = rng.pick(shown);
  inputs.push(k, valueOf.get(k)!);
  targets.push(valueOf.get(k)!, 0);
  mask.push(true, false);
  return { inputs, targets, mask };
}

function recallFormat(p: RecallParams) {
  const clean = p.vocab - p.noiseVocab;
  const half = Math.floor(clean / 2);
  return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'next-token' as const, answerTokens: Array.from({ length: clean - half }, (_, i) => half + i) };
}

function validateRecall(task: string, raw: Record<string, unknown>, noisy: boolean): RecallParams {
  const p = readParams<RecallParams>(task, raw, {
    seqLen: { min: 4 },
    vocab: { min: 4 },
    noiseVocab: noisy ? { min: 1 } : { min: 0, max: 0, default: 0 },
    fracNoise: noisy ? { min: 0, max: 0.95, integer: false } : { min: 0, max: 0, integer: false, default: 0 },
  });
  ensure(task, p.seqLen % 2 === 0, `seqLen must be even (the sequence is made of two-token pairs), got ${p.seqLen}.`);
  ensure(task, p.vocab - p.noiseVocab >= 4, `vocab − noiseVocab must leave at least 4 tokens for keys and values, got ${p.vocab} − ${p.noiseVocab}.`);
  return p;
}

export const inContextRecallGenerator: TaskGenerator<RecallParams> = {
  id: 'in-context-recall',
  params: {
    seqLen: 'sequence length (even: key–value pairs)',
    vocab: 'vocabulary size: keys from the lower half, values from the upper half',
    noiseVocab: 'always 0 here (see noisy-recall)',
    fracNoise: 'always 0 here (see noisy-recall)',
  },
  validate: (raw) => validateRecall('in-context-recall', raw, false),
  format: recallFormat,
  example: (p, rng) => recallExample('in-context-recall', p, rng),
};

export const noisyRecallGenerator: TaskGenerator<RecallParams> = {
  id: 'noisy-recall',
  params: {
    seqLen: 'sequence length (even: key–value pairs)',
    vocab: 'vocabulary size, noise tokens included',
    noiseVocab: 'tokens at the top of the vocabulary used only as noise',
    fracNoise: 'probability that a pair slot holds two noise tokens instead',
  },
  validate: (raw) => validateRecall('noisy-recall', raw, true),
  format: recallFormat,
  example: (p, rng) => recallExample('noisy-recall', p, rng),
};
