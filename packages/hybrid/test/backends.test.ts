import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { crossEntropy } from '../src/model/loss.js';
import { ids, maxAbsDiff, microModel } from './helpers.js';

// webgpu runs through Dawn (the `webgpu` package); on CPU-only machines on llvmpipe via OpenGL
// (.ci/run installs Debian's libegl1 libegl-mesa0 libgl1-mesa-dri libgles2). Set
// DECONATTN_SKIP_WEBGPU=1 where that is impossible.
const backends = ['cpu', 'wasm', ...(process.env.DECONATTN_SKIP_WEBGPU ? [] : ['webgpu'])];

describe('the same tiny model on every backend', () => {
  it(`gives the same loss and gradients (${backends.join(', ')})`, async () => {
    const results: { backend: string; loss: number; grads: Float32Array[] }[] = [];
    for (const backend of backends) {
      await useBackend(backend);
      const m = await microModel({ preset: 'hybrid', mixer: 'standard' }, {}, 11);
      const { value, grads } = tf.variableGrads(() => {
        const logits = tf.reshape(m.logits(ids([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]), { training: true }), [10, 23]) as tf.Tensor2D;
        return crossEntropy(logits, tf.tensor1d([2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'int32'));
      }, m.trainableVariables());
      // async reads: the webgpu backend cannot read synchronously in Node
      const gradData = await Promise.all(m.trainableVariables().map((v) => grads[v.name]!.data() as Promise<Float32Array>));
      results.push({ backend: tf.getBackend(), loss: (await value.data())[0]!, grads: gradData });
      tf.dispose([value, ...Object.values(grads)]);
      m.dispose();
    }
    expect(results.map((r) => r.backend)).toEqual(backends);
    const [ref, ...others] = results;
    for (const r of others) {
      expect(Math.abs(r.loss - ref!.loss)).toBeLessThan(1e-5);
      r.grads.forEach((g, i) => expect(maxAbsDiff(g, ref!.grads[i]!), `${r.backend} gradient ${i}`).toBeLessThan(1e-4));
    }
  });
});
