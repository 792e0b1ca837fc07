import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL, applyRope, applyRopeReference, causalAttention, causalAttentionReference, hasKernel, referenceRope, type CausalAttentionOptions } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { expectThreadsAgree, plain, randn, relErr } from './helpers.js';

/** Float64 causal attention of one batch row: q, k, v are [T][H·dh]. */
function reference(q: number[][], k: number[][], v: number[][], o: CausalAttentionOptions): number[][] {
  const h = o.numHeads;
  const dh = q[0]!.length / h;
  const qr = o.ropeTheta === null ? q : referenceRope(q, h, o.ropeTheta, o.positionOffset ?? 0);
  const kr = o.ropeTheta === null ? k : referenceRope(k, h, o.ropeTheta, o.positionOffset ?? 0);
  const out = q.map((row) => row.map(() => 0));
  for (let head = 0; head < h; head++)
    for (let i = 0; i < q.length; i++) {
      const s: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += qr[i]![head * dh + c]! * kr[j]![head * dh + c]!;
        s.push(dot / Math.sqrt(dh));
      }
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) out[i]![head * dh + c] += (e[j]! / z) * v[j]![head * dh + c]!;
    }
  return out;
}

const rows = (t: tf.Tensor, b: number) => (t.arraySync() as number[][][])[b]!;

// [batch, length, heads, head size, RoPE θ, position offset]; q and k with std 2 so the maps are
// far from uniform (logits of std 4).
const shapes: [number, number, number, number, number | null, number][] = [
  [1, 1, 1, 8, 10000, 0],
  [2, 7, 2, 8, 10000, 0],
  [1, 13, 3, 16, 500, 5],
  [2, 40, 2, 64, 10000, 0],
  [1, 9, 2, 8, null, 0],
];

describe('fused causal attention (wasm kernel) against its references', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(hasKernel(KERNEL.causalAttention)).toBe(true);
  });

  it.each(shapes)('B %i, T %i, %i heads of %i, θ %s, offset %i: output equals a Float64 computation', (b, t, h, dh, theta, offset) => {
    const o = { numHeads: h, ropeTheta: theta, positionOffset: offset };
    const [q, k, v] = [randn([b, t, h * dh], 1, 2), randn([b, t, h * dh], 2, 2), randn([b, t, h * dh], 3)];
    const y = causalAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, o);
    for (let i = 0; i < b; i++) {
      const ref = reference(rows(q, i), rows(k, i), rows(v, i), o);
      expect(relErr(tf.tensor(rows(y, i)), tf.tensor(ref))).toBeLessThan(2e-6);
    }
    tf.dispose([q, k, v, y]);
  });

  it.each(shapes)('B %i, T %i, %i heads of %i, θ %s, offset %i: gradients equal the plain composition’s', (b, t, h, dh, theta, offset) => {
    const o = { numHeads: h, ropeTheta: theta, positionOffset: offset };
    const [q, k, v, w] = [randn([b, t, h * dh], 4, 2), randn([b, t, h * dh], 5, 2), randn([b, t, h * dh], 6), randn([b, t, h * dh], 7)];
    const loss = (fn: typeof causalAttention) => (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(fn(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, o), w));
    const fast = tf.grads(loss(causalAttention))([q, k, v]);
    const slow = tf.grads(loss(causalAttentionReference))([q, k, v]);
    fast.forEach((g, i) => expect(relErr(g, slow[i]!), ['dq', 'dk', 'dv'][i]).toBeLessThan(2e-5));
    tf.dispose([q, k, v, w, ...fast, ...slow]);
  });

  // The fixed-stream mixers: q and k from one stream (batch 1), values from each of B sequences.
  it.each([[3, 9, 2, 8], [4, 128, 4, 64]])('shares one map per head across a batch of %i (T %i, %i heads of %i): values and gradients', (b, t, h, dh) => {
    const o = { numHeads: h, ropeTheta: 10000 };
    const [q, k, v, w] = [randn([1, t, h * dh], 22, 2), randn([1, t, h * dh], 23, 2), randn([b, t, h * dh], 24), randn([b, t, h * dh], 25)];
    const y = causalAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, o);
    expect(y.shape).toEqual([b, t, h * dh]);
    for (const i of [0, b - 1]) expect(relErr(tf.tensor(rows(y, i)), tf.tensor(reference(rows(q, 0), rows(k, 0), rows(v, i), o)))).toBeLessThan(2e-6);
    const loss = (fn: typeof causalAttention) => (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(fn(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, o), w));
    const fast = tf.grads(loss(causalAttention))([q, k, v]);
    const slow = tf.grads(loss(causalAttentionReference))([q, k, v]);
    fast.forEach((g, i) => expect(relErr(g, slow[i]!), ['dq', 'dk', 'dv'][i]).toBeLessThan(2e-5));
    tf.dispose([q, k, v, w, y, ...fast, ...slow]);
  });

  it('rotates by RoPE in one kernel each way (values and gradient as the plain composition)', () => {
    for (const [shape, offset] of [[[2, 3, 5, 8], 0], [[1, 2, 7, 6], 11], [[1, 1, 1, 64], 2047]] as const) {
      const x = randn([...shape], 26, 2) as tf.Tensor4D;
      const dy = randn([...shape], 27);
      expect(relErr(applyRope(x, offset, 10000), applyRopeReference(x, offset, 10000))).toBeLessThan(2e-6);
      const g = (fn: typeof applyRope) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(fn(xx as tf.Tensor4D, offset, 10000), dy)))(x);
      expect(relErr(g(applyRope), g(applyRopeReference))).toBeLessThan(2e-6);
      tf.dispose([x, dy]);
    }
  });

  it('has gradients that match central differences of the Float64 computation', () => {
    const o = { numHeads: 2, ropeTheta: 10000, positionOffset: 0 };
    const [t, d] = [6, 16];
    const inputs = [randn([1, t, d], 8, 2), randn([1, t, d], 9, 2), randn([1, t, d], 10)];
    const w = rows(randn([1, t, d], 11), 0);
    const grads = tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(causalAttention(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, o), tf.tensor([w]))))(inputs);
    const base = inputs.map((x) => rows(x, 0));
    const f = (xs: number[][][]) => reference(xs[0]!, xs[1]!, xs[2]!, o).reduce((a, row, i) => a + row.reduce((s, x, c) => s + x * w[i]![c]!, 0), 0);
    const eps = 1e-4;
    for (let which = 0; which < 3; which++)
      for (const [i, c] of [[0, 0], [3, 5], [5, 15], [2, 9]] as const) {
        const plus = base.map((m) => m.map((r) => r.slice()));
        const minus = base.map((m) => m.map((r) => r.slice()));
        plus[which]![i]![c] += eps;
        minus[which]![i]![c] -= eps;
        const numeric = (f(plus) - f(minus)) / (2 * eps);
        const analytic = rows(grads[which]!, 0)[i]![c]!;
        expect(Math.abs(analytic - numeric), `${['q', 'k', 'v'][which]}[${i}][${c}]`).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
      }
    tf.dispose([...inputs, ...grads]);
  });

  it('computes the same on one thread and on all of them, and frees everything', () => {
    const o = { numHeads: 4, ropeTheta: 10000 };
    const [q, k, v] = [randn([4, 128, 256], 12, 2), randn([4, 128, 256], 13, 2), randn([4, 128, 256], 14)];
    const run = () => tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.square(causalAttention(qq as tf.Tensor3D, kk as tf.Tensor3D, vv as tf.Tensor3D, o))))([q, k, v]);
    const all = expectThreadsAgree(run);
    tf.dispose([q, k, v, ...all]);
  });

  it('takes the plain composition where the kernel does not apply (head size not a multiple of 8, kernels off)', () => {
    const o = { numHeads: 2, ropeTheta: 10000 };
    const [q, k, v] = [randn([1, 5, 8], 15, 2), randn([1, 5, 8], 16, 2), randn([1, 5, 8], 17)];
    const y = causalAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, o); // dh = 4
    expect(relErr(tf.tensor(rows(y, 0)), tf.tensor(reference(rows(q, 0), rows(k, 0), rows(v, 0), o)))).toBeLessThan(2e-6);
    const q2 = randn([1, 5, 16], 18, 2);
    const off = plain(() => causalAttention(q2 as tf.Tensor3D, q2 as tf.Tensor3D, q2 as tf.Tensor3D, o));
    const on = causalAttention(q2 as tf.Tensor3D, q2 as tf.Tensor3D, q2 as tf.Tensor3D, o);
    expect(relErr(on, off)).toBeLessThan(2e-6);
    tf.dispose([q, k, v, y, q2, off, on]);
  });

  it('runs the plain composition on the cpu backend', async () => {
    await useBackend('cpu');
    try {
      expect(hasKernel(KERNEL.causalAttention)).toBe(false);
      const o = { numHeads: 2, ropeTheta: 10000 };
      const [q, k, v] = [randn([1, 6, 16], 19, 2), randn([1, 6, 16], 20, 2), randn([1, 6, 16], 21)];
      const y = causalAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, o);
      expect(relErr(tf.tensor(rows(y, 0)), tf.tensor(reference(rows(q, 0), rows(k, 0), rows(v, 0), o)))).toBeLessThan(2e-6);
      tf.dispose([q, k, v, y]);
    } finally {
      await useBackend('wasm');
    }
  });
});
