import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, applyRope, causalBias, embeddingLookup, initValues, linear, linearTransposed, rmsNorm } from '../src/index.js';
import { useBackend } from '@deconattn/hybrid/node';

function rand(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(initValues({ shape, init: { type: 'normal', std: 1 } }, seed), shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe.each(['cpu', 'wasm'])('shared blocks on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('linear matches matMul + bias, and its gradients match autodiff', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5, 4], 2);
    const b = rand([4], 3);
    const ref = tf.add(tf.matMul(tf.reshape(x, [6, 5]), w), b);
    expect(maxDiff(tf.reshape(linear(x, w, b), [6, 4]), ref)).toBeLessThan(1e-5);
    const f1 = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
    const f2 = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.add(tf.matMul(tf.reshape(xx, [6, 5]), ww), bb)));
    const g1 = tf.grads(f1)([x, w, b]);
    const g2 = tf.grads(f2)([x, w, b]);
    g1.forEach((g, i) => expect(maxDiff(g, g2[i]!)).toBeLessThan(1e-4));
  });

  it('linearTransposed (weight held [out, in]) matches x·Wᵀ, and its gradients match autodiff', () => {
    const x = rand([2, 3, 5], 4);
    const w = rand([7, 5], 5);
    const ref = tf.matMul(tf.reshape(x, [6, 5]), tf.transpose(w));
    const y = linearTransposed(x, w);
    expect(y.shape).toEqual([2, 3, 7]);
    expect(maxDiff(tf.reshape(y, [6, 7]), ref)).toBeLessThan(1e-5);
    const f1 = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(linearTransposed(xx, ww)));
    const f2 = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.reshape(xx, [6, 5]), tf.transpose(ww))));
    const g1 = tf.grads(f1)([x, w]);
    const g2 = tf.grads(f2)([x, w]);
    expect(g1[1]!.shape).toEqual([7, 5]);
    g1.forEach((g, i) => expect(maxDiff(g, g2[i]!)).toBeLessThan(1e-4));
    expect(() => linearTransposed(rand([2, 4], 6), w)).toThrow(/last dimension is 4, but the weight \[out, in\] expects 5/);
  });

  it('linear explains a wrong input size', () => {
    expect(() => linear(rand([2, 3], 1), rand([4, 5], 2))).toThrow(/last dimension is 3, but the weight expects 4/);
  });

  it('embedding lookup has a gradient on this backend that sums repeated ids', () => {
    const table = tf.variable(rand([6, 3], 4) as tf.Tensor2D);
    const ids = tf.tensor2d([[1, 2], [2, 5]], [2, 2], 'int32');
    const { grads } = tf.variableGrads(() => tf.sum(embeddingLookup(table, ids)) as tf.Scalar, [table]);
    const g = grads[table.name]!.arraySync() as number[][];
    expect(g.map((r) => r[0])).toEqual([0, 1, 2, 0, 0, 1]);
  });

  it('RMSNorm matches its formula', () => {
    const x = rand([2, 4], 5);
    const w = rand([4], 6);
    const xs = x.arraySync() as number[][];
    const ws = w.arraySync() as number[];
    const ref = xs.map((row) => {
      const ms = row.reduce((a, v) => a + v * v, 0) / row.length;
      return row.map((v, i) => (v / Math.sqrt(ms + 1e-6)) * ws[i]!);
    });
    expect(maxDiff(rmsNorm(x, w, 1e-6), tf.tensor(ref))).toBeLessThan(1e-5);
  });

  it('RoPE rotates pairs (i, i + dh/2) by position × θ^(−2i/dh)', () => {
    const dh = 8;
    const x = rand([1, 1, 3, dh], 7) as tf.Tensor4D;
    const xs = (x.arraySync() as number[][][][])[0]![0]!;
    const offset = 5;
    const theta = 10000;
    const ref = xs.map((row, p) => {
      const out = new Array(dh).fill(0);
      for (let i = 0; i < dh / 2; i++) {
        const a = (p + offset) * Math.pow(theta, (-2 * i) / dh);
        out[i] = row[i]! * Math.cos(a) - row[i + dh / 2]! * Math.sin(a);
        out[i + dh / 2] = row[i + dh / 2]! * Math.cos(a) + row[i]! * Math.sin(a);
      }
      return out;
    });
    expect(maxDiff(tf.squeeze(applyRope(x, offset, theta)), tf.tensor(ref))).toBeLessThan(1e-5);
  });

  it('causal bias lets query i see keys j ≤ offset + i', () => {
    const m = causalBias(2, 4, 1).arraySync();
    expect(m.map((r) => r.map((v) => (v === 0 ? 1 : 0)))).toEqual([
      [1, 1, 0, 0],
      [1, 1, 1, 0],
    ]);
  });
});

describe('seeded initialisation', () => {
  it('is deterministic and has the requested spread', () => {
    const a = initValues({ shape: [1000], init: { type: 'normal', std: 0.02 } }, 42);
    const b = initValues({ shape: [1000], init: { type: 'normal', std: 0.02 } }, 42);
    expect(a).toEqual(b);
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(new SeededRandom(1).next()).not.toBe(new SeededRandom(2).next());
  });
});
