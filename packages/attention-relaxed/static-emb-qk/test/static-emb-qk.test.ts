import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer, useBackend } from '@deconattn/core';
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

  it('finds the layer’s attention norm among the model’s variables when the context has no hook', () => {
    const fx = new MixerFixture(staticEmbQk, { dims });
    const { hn, emb } = fx.input();
    // Variables named as LanguageModel names them: '<tag>/model.layers.{i}.self_attn.<name>'.
    const tag = `static-emb-test-${Math.random().toString(36).slice(2)}`;
    const named = Object.fromEntries(Object.entries(fx.weights).map(([k, v]) => [k, tf.variable(v, true, `${tag}/model.layers.3.self_attn.${k}`)]));
    const norm = tf.variable(tf.tensor1d(Array.from({ length: 24 }, (_, i) => 0.5 + i / 24)), true, `${tag}/model.layers.3.input_layernorm.weight`);
    const out = fx.mixer.apply(hn, named, { ...fx.context(emb), attentionNorm: undefined } as never);
    assertClose('static-emb-qk', 'output with the model’s norm variable', out, reference(fx, hn, emb, norm.dataSync()), 1e-4);
    // The norm variable is on the tape: training updates it through this path too.
    const grads = tf.variableGrads(() => tf.sum(fx.mixer.apply(hn, named, { ...fx.context(emb, { training: true }), attentionNorm: undefined } as never)) as tf.Scalar, [norm]);
    expect(Math.max(...grads.grads[norm.name]!.dataSync().map(Math.abs))).toBeGreaterThan(0);
    Object.values(named).forEach((v) => v.dispose());
    norm.dispose();
    fx.dispose();
  });

  it('explains what it needs when neither the hook nor the model’s variables are there', () => {
    const fx = new MixerFixture(staticEmbQk, { dims });
    const { hn, emb } = fx.input();
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), attentionNorm: undefined } as never)).toThrow(/attention norm.*attentionNorm/);
    expect(() => fx.mixer.apply(hn, fx.weights, { ...fx.context(emb), staticEmbeddings: undefined })).toThrow(/no static embeddings/);
    fx.dispose();
  });

  it('has no options', () => {
    expect(staticEmbQk.parseOptions({})).toEqual({});
    expect(() => staticEmbQk.parseOptions({ rope: false })).toThrow(/no options/);
  });
});
