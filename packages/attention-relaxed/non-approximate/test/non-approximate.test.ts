import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { nonApproximateAttention, nonApproximateReference } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 16 };

describe('non-approximate', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import', () => {
    expect(getMixer('non-approximate')).toBe(nonApproximateAttention);
  });

  for (const chunkSize of [64, 5, 1]) {
    it(`matches the Float64 reference (chunk size ${chunkSize})`, () => {
      const fx = new MixerFixture(nonApproximateAttention, { dims, length: 14, options: { chunkSize } });
      const { hn, emb } = fx.input();
      const ref = (hn.arraySync() as number[][][]).map((seq) => nonApproximateReference(seq, flatWeights(fx.weights), dims)).flat(2);
      assertClose('non-approximate', 'parallel form vs reference', fx.parallel(hn, emb), ref, 1e-4);
      fx.dispose();
    });
  }

  it('stays exact with scores above 10³ (running max, not one global max)', () => {
    const fx = new MixerFixture(nonApproximateAttention, { dims, length: 14, options: { chunkSize: 4 } });
    // Large query/key weights push |s_j| past 10³; the first tokens' scores are far below later maxima.
    fx.weights['q_proj.weight']!.assign(tf.mul(fx.weights['q_proj.weight']!, 40) as tf.Tensor2D);
    fx.weights['k_proj.weight']!.assign(tf.mul(fx.weights['k_proj.weight']!, 40) as tf.Tensor2D);
    const { hn, emb } = fx.input();
    const { out, logits } = fx.captured(hn, emb);
    const scores = logits[0]!.dataSync();
    expect(Math.max(...scores.map(Math.abs))).toBeGreaterThan(1e3);
    // Some head's first score lies > 200 below its sequence max: e^{s_0 − max} underflows float32,
    // so one global max per sequence would give 0/0 at position 0.
    const [b, h, t] = logits[0]!.shape;
    let gap = 0;
    for (let r = 0; r < b * h; r++) {
      const row = scores.slice(r * t * t, r * t * t + t); // row 0 of the tiled logits: s_0 … s_{T−1}
      gap = Math.max(gap, Math.max(...row) - row[0]!);
    }
    expect(gap).toBeGreaterThan(200);
    const ref = (hn.arraySync() as number[][][]).map((seq) => nonApproximateReference(seq, flatWeights(fx.weights), dims)).flat(2);
    expect(out.dataSync().every(Number.isFinite)).toBe(true);
    assertClose('non-approximate', 'parallel form at large scores', out, ref, 1e-4);
    assertClose('non-approximate', 'token-by-token decoding at large scores', fx.decode(hn, emb, [1]), ref, 1e-4);
    const g = tf.grad((w: tf.Tensor) => tf.sum(fx.mixer.apply(hn, { ...fx.weights, 'v_proj.weight': w }, fx.context(emb, { training: true }))))(fx.weights['v_proj.weight']!);
    expect(g.dataSync().every(Number.isFinite)).toBe(true);
    fx.dispose();
  });

  it('validates chunkSize', () => {
    expect(() => nonApproximateAttention.parseOptions({ chunkSize: 0 })).toThrow(/positive integer/);
  });
});
