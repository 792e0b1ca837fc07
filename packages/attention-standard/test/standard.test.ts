import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initValues, type MixerContext, type ModelDims } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { standardAttention } from '../src/index.js';

const dims: ModelDims = { hiddenSize: 16, numHeads: 2, headDim: 8, intermediateSize: 32, maxPositions: 16, ropeTheta: 10000, rmsNormEps: 1e-6, vocabSize: 11 };

function weights(seed: number): Record<string, tf.Tensor> {
  const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
  const w: Record<string, tf.Tensor> = {};
  mixer.params().forEach((p, i) => (w[p.name] = tf.tensor(initValues({ shape: p.shape, init: { type: 'normal', std: 0.3 } }, seed + i), p.shape)));
  return w;
}

function ctx(extra: Partial<MixerContext> = {}): MixerContext {
  return { layer: 0, numLayers: 1, dims, positionOffset: 0, training: false, ...extra };
}

/** Straight from docs/model.md §3.1 in Float64 loops: Q,K,V = xW+b, RoPE, causal softmax(QKᵀ/√dh)V, W_O. */
function reference(x: number[][], w: Record<string, number[][] | number[]>): number[][] {
  const L = x.length;
  const { hiddenSize: d, numHeads: h, headDim: dh, ropeTheta } = dims;
  const proj = (W: number[][], b?: number[]) => x.map((row) => W[0]!.map((_, o) => row.reduce((s, v, i) => s + v * W[i]![o]!, b ? b[o]! : 0)));
  const rope = (m: number[][]) =>
    m.map((row, p) => {
      const out = row.slice();
      for (let head = 0; head < h; head++) {
        for (let i = 0; i < dh / 2; i++) {
          const a = p * Math.pow(ropeTheta, (-2 * i) / dh);
          const x1 = row[head * dh + i]!;
          const x2 = row[head * dh + i + dh / 2]!;
          out[head * dh + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
          out[head * dh + i + dh / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
      }
      return out;
    });
  const q = rope(proj(w['q_proj.weight'] as number[][], w['q_proj.bias'] as number[]));
  const k = rope(proj(w['k_proj.weight'] as number[][], w['k_proj.bias'] as number[]));
  const v = proj(w['v_proj.weight'] as number[][], w['v_proj.bias'] as number[]);
  const concat = x.map(() => new Array(d).fill(0));
  for (let head = 0; head < h; head++) {
    for (let i = 0; i < L; i++) {
      const s: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[i]![head * dh + c]! * k[j]![head * dh + c]!;
        s.push(dot / Math.sqrt(dh));
      }
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) concat[i]![head * dh + c] += (e[j]! / z) * v[j]![head * dh + c]!;
    }
  }
  const Wo = w['o_proj.weight'] as number[][];
  return concat.map((row) => Wo[0]!.map((_, o) => row.reduce((s, val, i) => s + val * Wo[i]![o]!, 0)));
}

describe.each(['cpu', 'wasm'])('standard attention on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('matches a plain-loop Float64 reference to 1e-4', () => {
    const w = weights(1);
    const x = tf.tensor3d(initValues({ shape: [1, 7, 16], init: { type: 'normal', std: 1 } }, 99), [1, 7, 16]);
    const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
    const out = (mixer.apply(x, w, ctx()).arraySync() as number[][][])[0]!;
    const wArr = Object.fromEntries(Object.entries(w).map(([k, t]) => [k, t.arraySync() as number[][]]));
    const ref = reference((x.arraySync() as number[][][])[0]!, wArr);
    let maxErr = 0;
    out.forEach((row, i) => row.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - ref[i]![j]!)))));
    expect(maxErr).toBeLessThan(1e-4);
  });

  it('is causal: changing token t+1 never changes outputs at ≤ t', () => {
    const w = weights(2);
    const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
    const a = initValues({ shape: [1, 6, 16], init: { type: 'normal', std: 1 } }, 5);
    const b = a.slice();
    for (let i = 4 * 16; i < 6 * 16; i++) b[i] = b[i]! + 1;
    const oa = mixer.apply(tf.tensor3d(a, [1, 6, 16]), w, ctx()).arraySync()[0]!;
    const ob = mixer.apply(tf.tensor3d(b, [1, 6, 16]), w, ctx()).arraySync()[0]!;
    for (let t = 0; t < 4; t++) oa[t]!.forEach((v, j) => expect(Math.abs(v - ob[t]![j]!)).toBeLessThan(1e-6));
    expect(Math.abs(oa[4]![0]! - ob[4]![0]!)).toBeGreaterThan(1e-6);
  });

  it('KV-cached decoding equals the full forward, token by token and in chunks', () => {
    const w = weights(3);
    const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
    const x = tf.tensor3d(initValues({ shape: [2, 6, 16], init: { type: 'normal', std: 1 } }, 6), [2, 6, 16]);
    const full = mixer.apply(x, w, ctx()).arraySync();
    for (const chunks of [[1, 1, 1, 1, 1, 1], [3, 2, 1]]) {
      const state = mixer.initState(2);
      const parts: number[][][][] = [];
      let start = 0;
      for (const n of chunks) {
        parts.push(mixer.apply(tf.slice(x, [0, start, 0], [2, n, 16]), w, ctx({ state })).arraySync());
        start += n;
      }
      expect(state.length).toBe(6);
      const stepped = [0, 1].map((b) => parts.flatMap((p) => p[b]!));
      stepped.forEach((seq, b) => seq.forEach((row, t) => row.forEach((v, j) => expect(Math.abs(v - full[b]![t]![j]!)).toBeLessThan(1e-4))));
      Object.values(state.tensors).forEach((t) => t.dispose());
    }
  });

  it('captures row-stochastic causal attention maps', () => {
    const w = weights(4);
    const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
    let map: number[][][][] = [];
    mixer.apply(tf.tensor3d(initValues({ shape: [1, 5, 16], init: { type: 'normal', std: 1 } }, 8), [1, 5, 16]), w, ctx({ capture: { attention: (_l, m) => (map = m.arraySync()) } }));
    expect(map.length).toBe(1);
    for (const head of map[0]!) head.forEach((row, i) => {
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      row.forEach((v, j) => j > i && expect(v).toBe(0));
    });
  });

  it('has the attention sublayer parameter count 4d² + 3d and validates options', () => {
    const mixer = standardAttention.create(dims, standardAttention.defaultOptions);
    expect(mixer.params().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(4 * 16 * 16 + 3 * 16);
    expect(() => standardAttention.parseOptions({ rpoe: true })).toThrow(/unknown option 'rpoe'/);
    expect(standardAttention.parseOptions(JSON.parse(JSON.stringify(standardAttention.defaultOptions)))).toEqual({ rope: true });
  });
});
