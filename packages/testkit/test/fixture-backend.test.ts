import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { standardAttention } from '@deconattn/attention-standard';
import { MixerFixture, useBackend } from '../src/index.js';

// A plugin's own test may create a fixture before choosing a backend. tfjs would then fail with
// its raw "No backend found in registry"; the fixture activates cpu itself.
describe('MixerFixture picks its backend', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('with no backend active and none registered, a fixture activates cpu and computes', () => {
    tf.engine().reset();
    for (const name of tf.engine().backendNames()) tf.removeBackend(name);
    expect(tf.engine().backendNames()).toEqual([]);
    const fx = new MixerFixture(standardAttention, { options: {} });
    expect(tf.getBackend()).toBe('cpu');
    const { hn, emb } = fx.input();
    const out = fx.parallel(hn, emb);
    expect(out.shape).toEqual(hn.shape);
    expect(Number.isFinite(tf.sum(out).dataSync()[0]!)).toBe(true);
    tf.dispose([hn, emb, out]);
    fx.dispose();
  });

  it('MixerFixture.create activates the backend the options name', async () => {
    const fx = await MixerFixture.create(standardAttention, { backend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    fx.dispose();
  });
});
