import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer, type MixerEnvironment, type ModelDims } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { fixedSeqQk, fixedSeqQkReference, fixedSequenceStreamStart } from '../src/index.js';

const dims: ModelDims = { hiddenSize: 24, numHeads: 3, headDim: 8, intermediateSize: 48, maxPositions: 12, ropeTheta: 10000, rmsNormEps: 1e-6, vocabSize: 50 };
const tokenizer = { encode: (s: string) => Array.from(s, (c) => c.charCodeAt(0) % 50) };

describe('fixed-seq-qk', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import (with rnd-emb-qk, whose layer it shares)', () => {
    expect(getMixer('fixed-seq-qk')).toBe(fixedSeqQk);
    expect(getMixer('rnd-emb-qk').id).toBe('rnd-emb-qk');
  });

  it('prepares Lmax token ids from ids, text or the default passage', () => {
    const env: MixerEnvironment = { dims, tokenizer, defaultPassage: (n) => Array.from({ length: n }, (_, i) => i) };
    const parse = (o: object) => fixedSeqQk.prepare!(fixedSeqQk.parseOptions(o), env);
    expect(parse({}).tokenIds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(parse({ text: 'abcdefghijklmnop' }).tokenIds).toEqual(tokenizer.encode('abcdefghijkl'));
    // Saved ids win over the text, so a reloaded checkpoint never re-tokenizes.
    expect(parse({ text: 'abcdefghijklmnop', tokenIds: Array(20).fill(3) }).tokenIds).toEqual(Array(12).fill(3));
    const prepared = parse({ text: 'abcdefghijklmnop' });
    expect(fixedSeqQk.needs(prepared, dims)).toEqual({ fixedStream: { kind: 'tokens', tokenIds: prepared.tokenIds } });
  });

  it('says what is missing when it cannot build the fixed sequence', () => {
    const parsed = fixedSeqQk.parseOptions({});
    expect(() => fixedSeqQk.prepare!(parsed, { dims })).toThrow(/give option 'text'.*'tokenIds'/i);
    expect(() => fixedSeqQk.prepare!(fixedSeqQk.parseOptions({ text: 'long enough text' }), { dims })).toThrow(/needs the model's tokenizer/);
    expect(() => fixedSeqQk.prepare!(fixedSeqQk.parseOptions({ text: 'short' }), { dims, tokenizer })).toThrow(/Lmax = 12 tokens.*only 5/);
    expect(() => fixedSeqQk.needs(parsed, dims)).toThrow(/prepare\(\)/);
    expect(() => fixedSeqQk.needs({ ...parsed, tokenIds: Array(12).fill(99) }, dims)).toThrow(/outside the model's vocabulary/);
    expect(() => fixedSeqQk.parseOptions({ tokenIds: [1, -2] })).toThrow(/non-negative integer/);
  });

  it('matches the Float64 reference given the stream (the layer is rnd-emb-qk’s)', () => {
    const fx = new MixerFixture(fixedSeqQk, { dims, length: 9 });
    const { hn, emb } = fx.input();
    const stream = (fx.stream!.arraySync() as number[][][])[0]!;
    const ref = (hn.arraySync() as number[][][]).map((seq) => fixedSeqQkReference(seq, stream, flatWeights(fx.weights), dims)).flat(2);
    assertClose('fixed-seq-qk', 'output vs reference', fx.parallel(hn, emb), ref, 1e-4);
    expect(fixedSequenceStreamStart([1, 2, 3, 4, 5, 6], 2, [2, 0])).toEqual([[5, 6], [1, 2]]);
    fx.dispose();
  });
});
