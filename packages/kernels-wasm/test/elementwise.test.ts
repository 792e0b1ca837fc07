import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL, embeddingLookup, hasKernel, referenceRmsNorm, rmsNorm, rmsNormReference, silu, swigluActivation } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { expectThreadsAgree, plain, randn, relErr } from './helpers.js';

describe('fused RMSNorm and SwiGLU activation (wasm kernels) against their references', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(hasKernel(KERNEL.rmsNorm) && hasKernel(KERNEL.swiglu)).toBe(true);
  });

  // Widths with a remainder past the 4-lane vectors; rows enough to be split over threads.
  it.each([[1, 4], [3, 7], [2, 5, 33], [512, 256]])('RMSNorm over %i×%i…: values equal the Float64 formula, gradients the plain path', (...shape) => {
    const d = shape[shape.length - 1]!;
    const x = randn(shape, 1, 3);
    const w = randn([d], 2);
    const y = rmsNorm(x, w, 1e-6);
    const rows = tf.reshape(x, [-1, d]).arraySync() as number[][];
    expect(relErr(tf.reshape(y, [-1, d]), tf.tensor(referenceRmsNorm(rows, w.dataSync(), 1e-6)))).toBeLessThan(2e-6);
    const dy = randn(shape, 3);
    const f = (norm: typeof rmsNorm) => (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(norm(xx, ww, 1e-6), dy));
    const fast = tf.grads(f(rmsNorm))([x, w]);
    const slow = tf.grads(f(rmsNormReference))([x, w]);
    fast.forEach((g, i) => expect(relErr(g, slow[i]!), ['dx', 'dw'][i]).toBeLessThan(2e-5));
    tf.dispose([x, w, y, dy, ...fast, ...slow]);
  });

  it.each([[1], [7], [3, 33], [512, 704]])('SiLU(g)·u over %i…: values and gradients equal the plain composition', (...shape) => {
    const g = randn(shape, 4, 4); // wide range: σ saturates on both sides
    const u = randn(shape, 5);
    const ref = tf.mul(silu(g), u);
    expect(relErr(swigluActivation(g, u), ref)).toBeLessThan(2e-6);
    const dy = randn(shape, 6);
    const f = (act: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(act(a, b), dy));
    const fast = tf.grads(f(swigluActivation))([g, u]);
    const slow = tf.grads(f((a, b) => tf.mul(silu(a), b)))([g, u]);
    fast.forEach((gr, i) => expect(relErr(gr, slow[i]!), ['dg', 'du'][i]).toBeLessThan(2e-6));
    tf.dispose([g, u, ref, dy, ...fast, ...slow]);
  });

  it('looks up embedding rows and sums repeated ids in the gradient, as the plain path does', () => {
    const table = randn([11, 7], 9);
    const ids = tf.tensor2d([[3, 0, 10], [3, 3, 5]], [2, 3], 'int32');
    const dy = randn([2, 3, 7], 10);
    const f = () => tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), dy)))(table);
    const fast = f();
    const slow = plain(f);
    expect(Array.from(tf.reshape(embeddingLookup(table as tf.Tensor2D, ids), [-1]).dataSync())).toEqual(Array.from(tf.gather(table, tf.reshape(ids, [-1])).dataSync()));
    expect(relErr(fast.grad, slow.grad)).toBeLessThan(1e-6);
    const g = fast.grad.arraySync() as number[][];
    const d = dy.arraySync() as number[][][];
    expect(g[3]![2]!).toBeCloseTo(d[0]![0]![2]! + d[1]![0]![2]! + d[1]![1]![2]!, 5); // id 3 three times
    expect(g[1]!.every((x) => x === 0)).toBe(true);
    tf.dispose([table, ids, dy, fast.value, fast.grad, slow.value, slow.grad]);
  });

  it('gives the same on one thread as on all, frees everything, and steps aside when switched off', () => {
    const x = randn([512, 256], 7, 2);
    const w = randn([256], 8);
    const run = () => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(rmsNorm(swigluActivation(xx, xx), ww, 1e-6))))([x, w]);
    const all = expectThreadsAgree(run);
    const off = plain(() => {
      expect(hasKernel(KERNEL.rmsNorm)).toBe(false);
      return run();
    });
    all.forEach((g, i) => expect(relErr(g, off[i]!)).toBeLessThan(2e-5));
    tf.dispose([x, w, ...all, ...off]);
  });
});
