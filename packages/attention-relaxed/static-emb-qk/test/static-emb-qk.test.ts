import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights, maxAbsDiff } from '@deconattn/testkit';
import { staticEmbQk, staticEmbQkReference } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 12, ropeTheta: 10000, rmsNormEps: 1e-6 };

function reference(fx: MixerFixture, hn: tf.Tensor3D, emb: tf.Tensor3D, norm: 'none' | 'attention'): number[] {
  const e = emb.arraySync() as number[][][];
  const how = norm === 'attention' ? { norm, normWeight: fx.normWeight.dataSync() } : { norm };
  return (hn.arraySync() as number[][][]).map((seq, b) => staticEmbQkReference(seq, e[b]!, flatWeights(fx.weights), dims, how)).flat(2);
}

describe('static-emb-qk', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("registers on import, asks for static embeddings, and defaults to norm 'none'", () => {
    expect(getMixer('static-emb-qk')).toBe(staticEmbQk);
    expect(staticEmbQk.needs({ norm: 'none' }, {} as never)).toEqual({ staticEmbeddings: true });
    expect(staticEmbQk.parseOptions({})).toEqual({ norm: 'none' });
  });

  it("matches the Float64 reference with Q,K = Emb(t) W + b (norm 'none', the paper's form)", () => {
    const fx = new MixerFixture(staticEmbQk, { dims });
    const { hn, emb } = fx.input();
    const want = reference(fx, hn, emb, 'none');
    assertClose('static-emb-qk', 'output vs reference', fx.parallel(hn, emb), want, 1e-4);
    // The two choices differ here (the kit's attention norm has a random scale), so the test can tell them apart.
    expect(maxAbsDiff(want, reference(fx, hn, emb, 'attention')).diff).toBeGreaterThan(1e-2);
    // No attention norm is needed in this form.
    assertClose('static-emb-qk', 'output without attentionNorm', fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), attentionNorm: undefined } as never), want, 1e-4);
    fx.dispose();
  });

  it("matches the Float64 reference normalising Emb(t) with the context's attention norm (norm 'attention')", () => {
    const fx = new MixerFixture(staticEmbQk, { dims, options: { norm: 'attention' } });
    const { hn, emb } = fx.input();
    assertClose('static-emb-qk', 'output vs reference', fx.parallel(hn, emb), reference(fx, hn, emb, 'attention'), 1e-4);
    fx.dispose();
  });

  it('explains what it needs when the context lacks it', () => {
    const fx = new MixerFixture(staticEmbQk, { dims, options: { norm: 'attention' } });
    const { hn, emb } = fx.input();
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), attentionNorm: undefined } as never)).toThrow(/no attentionNorm/);
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), staticEmbeddings: undefined })).toThrow(/no static embeddings/);
    fx.dispose();
  });

  it('validates its option and reads old checkpoints as they were meant', () => {
    expect(staticEmbQk.parseOptions({ norm: 'attention' })).toEqual({ norm: 'attention' });
    expect(() => staticEmbQk.parseOptions({ norm: 'layer' })).toThrow(/'none'.*'attention'/);
    expect(() => staticEmbQk.parseOptions({ rope: false })).toThrow(/unknown option 'rope'. Options: norm/);
    // 0.1.x had no options and always normalised.
    expect(staticEmbQk.loadOptions!({}, '0.1.0')).toEqual({ norm: 'attention' });
    expect(staticEmbQk.loadOptions!({}, '0.2.0')).toEqual({ norm: 'none' });
    expect(staticEmbQk.loadOptions!({ norm: 'none' }, '0.1.0')).toEqual({ norm: 'none' });
  });
});
