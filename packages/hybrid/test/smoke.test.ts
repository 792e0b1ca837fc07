import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/core';
import '@deconattn/attention-standard';
import { LanguageModel } from '../src/model/model.js';
import { PRESETS } from '../src/model/config.js';
import { crossEntropy } from '../src/model/loss.js';

describe('smoke', () => {
  it('forward+backward on wasm', async () => {
    await useBackend('wasm');
    const m = await LanguageModel.create({ config: PRESETS.tiny!.model, plan: { preset: 'uniform', mixer: 'standard' }, seed: 1 });
    const ids = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 4], 'int32');
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const logits = m.logitsFromHidden(m.hidden(ids, { training: true }));
      return crossEntropy(tf.reshape(logits, [-1, 257]) as tf.Tensor2D, tf.tensor1d([2, 3, 4, 5, 6, 7, 8, 9], 'int32'));
    }, m.trainableVariables());
    console.log('loss', value.dataSync()[0], Object.keys(grads).length, m.parameterCount(), performance.now() - t0);
    expect(Math.abs(value.dataSync()[0]! - Math.log(257))).toBeLessThan(0.1);
  });
});
