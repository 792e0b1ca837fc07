import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL, hasKernel, linear, linearTransposed } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { KernelRuntime, wasmKernelsEnabled } from '../src/index.js';
import { plain, randn, relErr } from './helpers.js';

/** Float64 product of row-major matrices, `op(A)·op(B)` for one batch entry. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

describe('BatchMatMul on wasm (SIMD kernel, transposes read in place)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(wasmKernelsEnabled()).toBe(true);
  });

  // Sizes that are not multiples of the 4×8 tile, an empty inner dimension, one row (decoding),
  // and the reference model's products (threads split the large ones).
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [5, 9, 600], [13, 17, 33], [1, 704, 256], [2, 3, 0], [512, 256, 704], [256, 704, 512]];
  it.each(sizes)('%i×%i (inner %i) equals a Float64 product for every transpose', (m, n, k) => {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const a = randn(ta ? [k, m] : [m, k], 1);
        const b = randn(tb ? [n, k] : [k, n], 2);
        const c = tf.matMul(a, b, ta, tb);
        expect(c.shape).toEqual([m, n]);
        const ref = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, n, k, ta, tb);
        const got = c.dataSync();
        let err = 0;
        for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!) / Math.sqrt(k + 1));
        expect(err, `ta=${ta} tb=${tb}`).toBeLessThan(1e-5);
        tf.dispose([a, b, c]);
      }
  });

  it('matches tfjs’ own kernel on batched and broadcast shapes', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[2, 3, 4, 5], [2, 3, 5, 6], false, false],
      [[2, 3, 5, 4], [5, 6], true, false],
      [[4, 5], [2, 3, 6, 5], false, true],
      [[1, 4, 5], [3, 5, 6], false, false],
      [[4, 4, 128, 64], [4, 4, 128, 64], false, true],
      [[4, 4, 128, 128], [4, 4, 128, 64], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = randn(sa, 3);
      const b = randn(sb, 4);
      const ours = tf.matMul(a, b, ta, tb);
      const theirs = plain(() => tf.matMul(a, b, ta, tb));
      expect(ours.shape).toEqual(theirs.shape);
      expect(relErr(ours, theirs), `${sa} × ${sb}`).toBeLessThan(1e-5);
      tf.dispose([a, b, ours, theirs]);
    }
  });

  // tfjs' own kernels (cpu and wasm) index batches modulo their sizes and get [2,1]×[1,3] wrong;
  // ours follows numpy broadcasting, checked against a Float64 product per batch pair.
  it('broadcasts batch dimensions numpy-style', () => {
    const a = randn([2, 1, 4, 5], 10);
    const b = randn([1, 3, 5, 6], 11);
    const c = tf.matMul(a, b);
    expect(c.shape).toEqual([2, 3, 4, 6]);
    const [ad, bd, cd] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array, c.dataSync()];
    let err = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        const ref = reference(ad.subarray(i * 20, i * 20 + 20), bd.subarray(j * 30, j * 30 + 30), 4, 6, 5, false, false);
        for (let e = 0; e < 24; e++) err = Math.max(err, Math.abs(cd[(i * 3 + j) * 24 + e]! - ref[e]!));
      }
    expect(err).toBeLessThan(1e-5);
    tf.dispose([a, b, c]);
  });

  it('gives the same product on one thread and on all of them (bit for bit)', () => {
    const rt = KernelRuntime.of(tf.backend())!;
    const a = randn([512, 256], 5);
    const b = randn([704, 256], 6);
    const all = tf.matMul(a, b, false, true);
    const threads = rt.threads;
    rt.threads = 1;
    const one = tf.matMul(a, b, false, true);
    rt.threads = threads;
    expect(Array.from(all.dataSync())).toEqual(Array.from(one.dataSync()));
    tf.dispose([a, b, all, one]);
  });

  // A batch of small products (attention maps per head) runs as one call whose units (one entry,
  // a few column panels) the threads share: each entry must equal its own 2-D product exactly,
  // on one thread and on all, including a transposed operand and a broadcast one.
  it('splits a batch of small products over threads, each entry equal to its 2-D product bit for bit', () => {
    const rt = KernelRuntime.of(tf.backend())!;
    const cases: [number[], number[], boolean, boolean][] = [
      [[4, 4, 128, 128], [4, 4, 128, 64], false, false],
      [[4, 4, 128, 128], [4, 4, 128, 64], true, false],
      [[4, 4, 128, 64], [4, 4, 128, 64], false, true],
      [[128, 128], [3, 5, 128, 40], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = randn(sa, 30);
      const b = randn(sb, 31);
      const all = tf.matMul(a, b, ta, tb);
      const threads = rt.threads;
      rt.threads = 1;
      let one: tf.Tensor;
      try {
        one = tf.matMul(a, b, ta, tb);
      } finally {
        rt.threads = threads;
      }
      expect(Array.from(all.dataSync()), `${sa} × ${sb}`).toEqual(Array.from(one.dataSync()));
      const [m, n] = [all.shape.at(-2)!, all.shape.at(-1)!];
      const a2 = tf.reshape(a, [-1, ...sa.slice(-2)]);
      const b2 = tf.reshape(b, [-1, ...sb.slice(-2)]);
      const c2 = tf.reshape(all, [-1, m, n]);
      for (const i of [0, c2.shape[0]! - 1]) {
        const entry = tf.tidy(() => tf.matMul(tf.gather(a2, a2.shape[0] === 1 ? 0 : i), tf.gather(b2, b2.shape[0] === 1 ? 0 : i), ta, tb));
        const got = tf.tidy(() => tf.gather(c2, i));
        expect(Array.from(got.dataSync()), `${sa} × ${sb}, entry ${i}`).toEqual(Array.from(entry.dataSync()));
        tf.dispose([entry, got]);
      }
      tf.dispose([a, b, all, one!, a2, b2, c2]);
    }
  });

  it('gives linear() the same values and gradients as the plain path, and frees everything', () => {
    expect(hasKernel(KERNEL.matMul)).toBe(true);
    const x = randn([3, 7, 24], 7);
    const w = randn([24, 40], 8);
    const bias = randn([40], 9);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
    const fast = tf.grads(f)([x, w, bias]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(tf.grads(f)([x, w, bias]));
    expect(tf.memory().numTensors).toBe(before);
    const slow = plain(() => {
      expect(hasKernel(KERNEL.matMul)).toBe(false);
      return tf.grads(f)([x, w, bias]);
    });
    fast.forEach((g, i) => expect(relErr(g, slow[i]!)).toBeLessThan(1e-5));
    tf.dispose([x, w, bias, ...fast, ...slow]);
  });

  // The tied output layer: the embedding [vocab, d] read in place, no Transpose kernel either way.
  it('gives linearTransposed() the plain path’s values and gradients without a Transpose', async () => {
    const x = randn([2, 9, 40], 12);
    const w = randn([72, 40], 13, 2);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(linearTransposed(xx, ww)));
    const fast = tf.grads(f)([x, w]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => tf.grads(f)([x, w]));
    expect(profile.kernels.map((k) => k.name)).not.toContain('Transpose');
    tf.dispose(profile.result as tf.Tensor[]);
    for (let i = 0; i < 3; i++) tf.dispose(tf.grads(f)([x, w]));
    expect(tf.memory().numTensors).toBe(before);
    const slow = plain(() => tf.grads(f)([x, w]));
    fast.forEach((g, i) => expect(relErr(g, slow[i]!)).toBeLessThan(1e-5));
    tf.dispose([x, w, ...fast, ...slow]);
  });
});
