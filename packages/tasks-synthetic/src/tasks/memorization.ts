import { ensure, readParams } from './params.js';
import { TaskRandom } from './random.js';
import type { TaskGenerator } from './types.js';

export interface MemorizationParams extends Record<string, number> {
  seqLen: number;
  vocab: number;
  /** Seed of the fixed key → value map (the facts to memorise): one map per rung, shared by all splits. */
  mapSeed: number;
}

/** The rung's fixed facts: key k ↦ value, a random pairing of the lower and upper halves of 0 … vocab − 2. */
export function memorizationMap(p: MemorizationParams): Map<number, number> {
  const id = `${p.vocab}:${p.mapSeed}`;
  const cached = maps.get(id);
  if (cached) return cached;
  const usable = p.vocab - 1;
  const half = Math.floor(usable / 2);
  const values = new TaskRandom(p.mapSeed).shuffle(Array.from({ length: usable - half }, (_, i) => half + i));
  const map = new Map(Array.from({ length: half }, (_, k) => [k, values[k]!] as const));
  maps.set(id, map);
  return map;
}

/** Maps drawn so far, by vocab and seed: generating a split must not redraw the map per sequence. */
const maps = new Map<string, Map<number, number>>();

/**
 * MAD's memorization: a fixed map from keys to values (drawn once per rung from `mapSeed`) that
 * no sequence states. Sequences are `k1 I k2 I …` with keys drawn with replacement and I an insert
 * token (vocab − 1); at each I the model must output the value of the key before it. The answer
 * is in the weights, not the context: the task measures how many facts a model can store. Train
 * and test sequences differ but share the facts (that is the point); only the sequences are
 * disjoint.
 */
export const memorizationGenerator: TaskGenerator<MemorizationParams> = {
  id: 'memorization',
  params: {
    seqLen: 'sequence length (even: key, insert token)',
    vocab: 'vocabulary size: keys from the lower half of 0 … vocab − 2, values from the upper half, vocab − 1 is the insert token',
    mapSeed: 'seed of the fixed key → value map',
  },
  validate(raw) {
    const p = readParams<MemorizationParams>('memorization', raw, { seqLen: { min: 2 }, vocab: { min: 5 }, mapSeed: { min: 0, default: 12345 } });
    ensure('memorization', p.seqLen % 2 === 0, `seqLen must be even (key, insert token pairs), got ${p.seqLen}.`);
    return p;
  },
  format(p) {
    const usable = p.vocab - 1;
    const half = Math.floor(usable / 2);
    return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'next-token', answerTokens: Array.from({ length: usable - half }, (_, i) => half + i) };
  },
  example(p, rng) {
    const map = memorizationMap(p);
    const insert = p.vocab - 1;
    const inputs: number[] = [];
    const targets: number[] = [];
    const mask: boolean[] = [];
    for (let i = 0; i < p.seqLen / 2; i++) {
      const k = rng.int(map.size);
      inputs.push(k, insert);
      targets.push(0, map.get(k)!);
      mask.push(false, true);
    }
    return { inputs, targets, mask };
  },
};
