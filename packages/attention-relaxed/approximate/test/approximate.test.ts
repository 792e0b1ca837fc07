import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { ApproximateAttention, approximateAttention, approximateReference } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 10, ropeTheta: 10000 };

describe('approximate', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import', () => {
    expect(getMixer('approximate')).toBe(approximateAttention);
  });

  for (const kernel of ['full', 'diag'] as const) {
    it(`matches the Float64 reference (kernel ${kernel}) in the parallel and the recurrent form`, () => {
      const fx = new MixerFixture(approximateAttention, { dims, options: { kernel } });
      const { hn, emb } = fx.input();
      const ref = (hn.arraySync() as number[][][]).map((seq) => approximateReference(seq, flatWeights(fx.weights), dims, kernel)).flat(2);
      assertClose('approximate', 'parallel form vs reference', fx.parallel(hn, emb), ref, 1e-4);
      assertClose('approximate', 'recurrent form vs reference', fx.decode(hn, emb, [1]), ref, 1e-4);
      fx.dispose();
    });
  }

  it('has a feature map whose dot products are the Taylor kernel', () => {
    const full = new ApproximateAttention({ ...fullDims(), headDim: 4 }, { kernel: 'full' });
    tf.tidy(() => {
      const q = tf.tensor4d([0.3, -1.2, 0.5, 2], [1, 1, 1, 4]);
      const k = tf.tensor4d([1.1, 0.4, -0.7, 0.2], [1, 1, 1, 4]);
      const s = (0.3 * 1.1 - 1.2 * 0.4 - 0.5 * 0.7 + 2 * 0.2) / 2;
      const dot = tf.sum(tf.mul(full.featureMap(q, 4), full.featureMap(k, 4))).dataSync()[0]!;
      expect(dot).toBeCloseTo(1 + s + (s * s) / 2, 5);
      expect(full.featureMap(q, 4).shape[3]).toBe(1 + 4 + 16);
    });
  });

  it('rejects an unknown kernel', () => {
    expect(() => approximateAttention.parseOptions({ kernel: 'cubic' })).toThrow(/'full'.*'diag'/);
  });
});

function fullDims() {
  return { hiddenSize: 4, numHeads: 1, headDim: 4, intermediateSize: 8, maxPositions: 4, ropeTheta: 10000, rmsNormEps: 1e-6, vocabSize: 8 };
}
