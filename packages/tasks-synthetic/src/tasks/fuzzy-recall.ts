import { ensure, readParams } from './params.js';
import type { TaskRandom } from './random.js';
import type { TaskGenerator } from './types.js';

export interface FuzzyRecallParams extends Record<string, number> {
  seqLen: number;
  vocab: number;
  /** Longest key, in tokens (keys in training are 1 … keyMotif tokens; test keys are exactly keyMotif). */
  keyMotif: number;
  /** Longest value, in tokens (values are 1 … valueMotif tokens). */
  valueMotif: number;
}

/** A tuple of `size` distinct tokens from [lo, hi): one of MAD's "motifs". */
function motif(rng: TaskRandom, size: number, lo: number, hi: number): number[] {
  return rng.distinct(size, lo, hi);
}

/**
 * MAD's fuzzy in-context recall: as in-context recall, but keys and values are "motifs" of
 * 1 … keyMotif (1 … valueMotif) adjacent tokens, so a key's boundary must be inferred and short
 * keys can hide inside longer ones. Training sequences mix key lengths; test sequences use keys of
 * exactly `keyMotif` tokens (MAD's "always prompt at the maximum key motif size"). One key–value
 * pair (the probe) is placed early and repeated at the end, so every sequence asks at least once;
 * each later repetition of a key asks too. The value's tokens are scored: the first at the key's
 * last token, each next one at the token before it. Sequences are left-padded with a pad token
 * (the last id) to `seqLen`.
 */
export const fuzzyRecallGenerator: TaskGenerator<FuzzyRecallParams> = {
  id: 'fuzzy-recall',
  params: {
    seqLen: 'sequence length',
    vocab: 'vocabulary size: the last id pads, keys use the lower half of the rest, values the upper half',
    keyMotif: 'longest key in tokens',
    valueMotif: 'longest value in tokens',
  },
  validate(raw) {
    const p = readParams<FuzzyRecallParams>('fuzzy-recall', raw, { seqLen: { min: 8 }, vocab: { min: 5 }, keyMotif: { min: 1, max: 8 }, valueMotif: { min: 1, max: 8 } });
    const usable = p.vocab - 1;
    ensure('fuzzy-recall', Math.floor(usable / 2) >= p.keyMotif && usable - Math.floor(usable / 2) >= p.valueMotif, `vocab ${p.vocab} is too small for keys of ${p.keyMotif} and values of ${p.valueMotif} distinct tokens: use vocab ≥ ${2 * Math.max(p.keyMotif, p.valueMotif) + 1}.`);
    ensure('fuzzy-recall', p.seqLen >= 3 * (p.keyMotif + p.valueMotif), `seqLen ${p.seqLen} is too short: it must hold the probe pair twice plus one more pair, seqLen ≥ ${3 * (p.keyMotif + p.valueMotif)}.`);
    return p;
  },
  format(p) {
    const usable = p.vocab - 1;
    const half = Math.floor(usable / 2);
    return { vocabSize: p.vocab, seqLen: p.seqLen, head: 'next-token', answerTokens: Array.from({ length: usable - half }, (_, i) => half + i) };
  },
  example(p, rng, split) {
    const pad = p.vocab - 1;
    const half = Math.floor(pad / 2);
    const keySize = () => (split === 'train' ? 1 + rng.int(p.keyMotif) : p.keyMotif);
    const valueSize = () => 1 + rng.int(p.valueMotif);
    const probeKey = motif(rng, keySize(), 0, half);
    const probeValue = motif(rng, valueSize(), half, pad);
    const probeLen = probeKey.length + probeValue.length;
    const maxChunk = p.keyMotif + p.valueMotif;
    // Stop adding pairs early enough that the closing probe still fits in seqLen.
    const fillTo = p.seqLen - probeLen - maxChunk;
    const probeAt = rng.int(Math.max(1, fillTo - probeLen));
    const seq: number[] = [];
    const scored: boolean[] = [];
    const valueOf = new Map<string, number[]>();
    const push = (key: number[], value: number[]) => {
      const id = key.join(',');
      const seen = valueOf.has(id);
      valueOf.set(id, value);
      seq.push(...key, ...value);
      scored.push(...key.map(() => false), ...value.map(() => seen));
    };
    let probeAdded = false;
    while (seq.length < fillTo) {
      if (!probeAdded && (seq.length >= probeAt || seq.length + maxChunk >= fillTo)) {
        push(probeKey, probeValue);
        probeAdded = true;
        continue;
      }
      const key = motif(rng, keySize(), 0, half);
      const id = key.join(',');
      const value = id === probeKey.join(',') ? probeValue : (valueOf.get(id) ?? motif(rng, valueSize(), half, pad));
      push(key, value);
    }
    if (!probeAdded) push(probeKey, probeValue);
    push(probeKey, probeValue);
    ensure('fuzzy-recall', seq.length <= p.seqLen, `internal: generated ${seq.length} tokens for seqLen ${p.seqLen}.`);
    // Left-pad to seqLen + 1 tokens, then shift: position t reads seq[t] and is asked for seq[t + 1].
    const padded = [...new Array<number>(p.seqLen + 1 - seq.length).fill(pad), ...seq];
    const paddedScored = [...new Array<boolean>(p.seqLen + 1 - seq.length).fill(false), ...scored];
    const inputs = padded.slice(0, p.seqLen);
    const mask = paddedScored.slice(1);
    const targets = padded.slice(1).map((t, i) => (mask[i] ? t : 0));
    return { inputs, targets, mask };
  },
};
