import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { staticEmbQk, staticEmbQkReference } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 12, ropeTheta: 10000, rmsNormEps: 1e-6 };

function reference(fx: MixerFixture, hn: tf.Tensor3D, emb: tf.Tensor3D, norm: ArrayLike<number>): number[] {
  const e = emb.arraySync() as number[][][];
  return (hn.arraySync() as number[][][]).map((seq, b) => staticEmbQkReference(seq, e[b]!, norm, flatWeights(fx.weights), dims)).flat(2);
}

describe('static-emb-qk', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import and asks for static embeddings', () => {
    expect(getMixer('static-emb-qk')).toBe(staticEmbQk);
    expect(staticEmbQk.needs({}, {} as never)).toEqual({ staticEmbeddings: true });
  });

  it('matches the Float64 reference, normalising Emb(t) with the context’s attention norm', () => {
    const fx = new MixerFixture(staticEmbQk, { dims });
    const { hn, emb } = fx.input();
    assertClose('static-emb-qk', 'output vs reference', fx.parallel(hn, emb), reference(fx, hn, emb, fx.normWeight.dataSync()), 1e-4);
    fx.dispose();
  });

  it('explains what it needs when the context has no attention norm', () => {
    const fx = new MixerFixture(staticEmbQk, { dims });
    const { hn, emb } = fx.input();
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), attentionNorm: undefined } as never)).toThrow(/no attentionNorm/);
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), staticEmbeddings: undefined })).toThrow(/no static embeddings/);
    fx.dispose();
  });

  it('has no options', () => {
    expect(staticEmbQk.parseOptions({})).toEqual({});
    expect(() => staticEmbQk.parseOptions({ rope: false })).toThrow(/no options/);
  });
});
