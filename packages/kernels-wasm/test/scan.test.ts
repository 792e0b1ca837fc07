import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL, hasKernel, runningSoftmaxMean, runningSoftmaxMeanReference } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { expectThreadsAgree, randn, relErr } from './helpers.js';

/** Float64 running softmax-weighted mean of one batch row ([T][H·dh]). */
function reference(q: number[][], k: number[][], v: number[][], h: number): number[][] {
  const dh = q[0]!.length / h;
  return q.map((_, i) => {
    const out = new Array<number>(q[0]!.length).fill(0);
    for (let head = 0; head < h; head++) {
      const s = Array.from({ length: i + 1 }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[j]![head * dh + c]! * k[j]![head * dh + c]!;
        return dot / Math.sqrt(dh);
      });
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) out[head * dh + c] += (e[j]! / z) * v[j]![head * dh + c]!;
    }
    return out;
  });
}

const rows = (t: tf.Tensor, b: number) => (t.arraySync() as number[][][])[b]!;

describe('the running softmax-weighted mean (wasm kernel) against its references', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(hasKernel(KERNEL.runningMean)).toBe(true);
  });

  // std 6 for q and k: scores of ±100, far beyond where a plain exp would overflow.
  it.each([[1, 1, 1, 4], [2, 9, 2, 6], [3, 70, 4, 16]])('B %i, T %i, %i heads of %i: values equal Float64, gradients the plain composition', (b, t, h, dh) => {
    const [q, k, v, w] = [randn([b, t, h * dh], 1, 6), randn([b, t, h * dh], 2, 6), randn([b, t, h * dh], 3), randn([b, t, h * dh], 4)];
    const y = runningSoftmaxMean(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, h);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    for (let i = 0; i < b; i++) expect(relErr(tf.tensor(rows(y, i)), tf.tensor(reference(rows(q, i), rows(k, i), rows(v, i), h)))).toBeLessThan(5e-6);
    const loss = (fn: typeof runningSoftmaxMean) => (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(fn(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, h), w));
    const fast = tf.grads(loss(runningSoftmaxMean))([q, k, v]);
    const slow = tf.grads(loss(runningSoftmaxMeanReference))([q, k, v]);
    fast.forEach((g, i) => expect(relErr(g, slow[i]!), ['dq', 'dk', 'dv'][i]).toBeLessThan(1e-4));
    tf.dispose([q, k, v, w, y, ...fast, ...slow]);
  });

  it('gives the same on one thread as on all of them, and frees everything', () => {
    const [q, k, v] = [randn([4, 128, 256], 5, 2), randn([4, 128, 256], 6, 2), randn([4, 128, 256], 7)];
    const run = () => tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.square(runningSoftmaxMean(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, 4))))([q, k, v]);
    const all = expectThreadsAgree(run);
    tf.dispose([q, k, v, ...all]);
  });
});
