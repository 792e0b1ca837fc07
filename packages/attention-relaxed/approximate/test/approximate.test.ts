import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer, type TokenMixerDefinition } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { BasedKernel, PaperKernel, approximateAttention, approximatePaperMapReference, approximateReference, type ApproximateKernel } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 10, ropeTheta: 10000 };

/** The definition as a checkpoint of version 0.1.0 is read: accepts the retired `diag`. */
const asLoaded: TokenMixerDefinition = { ...approximateAttention, parseOptions: (raw: unknown) => approximateAttention.loadOptions!(raw, '0.1.0') };

describe('approximate', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import, with the paper kernel as the default', () => {
    expect(getMixer('approximate')).toBe(approximateAttention);
    expect(approximateAttention.parseOptions({})).toEqual({ kernel: 'paper' });
  });

  for (const kernel of ['paper', 'based', 'diag'] as ApproximateKernel[]) {
    it(`matches the Float64 reference (kernel ${kernel}) in the parallel form, token by token and in chunks`, () => {
      // The kit's weights are N(0, 1/in), so scores are O(1) and the maps far from uniform.
      const fx = new MixerFixture(kernel === 'diag' ? asLoaded : approximateAttention, { dims, options: { kernel } });
      const { hn, emb } = fx.input();
      const ref = (hn.arraySync() as number[][][]).map((seq) => approximateReference(seq, flatWeights(fx.weights), dims, kernel)).flat(2);
      assertClose('approximate', 'parallel form vs reference', fx.parallel(hn, emb), ref, 1e-4);
      assertClose('approximate', 'token-by-token decoding vs reference', fx.decode(hn, emb, [1]), ref, 1e-4);
      assertClose('approximate', 'chunked decoding vs reference', fx.decode(hn, emb, [3, 1, 4]), ref, 1e-4);
      fx.dispose();
    });
  }

  it('keeps count, Σv, Σk, Σk⊙k and two dh×dh states per head while decoding (6Bd + 4Bd²/h bytes in fp16)', () => {
    const fx = new MixerFixture(approximateAttention, { dims });
    const { hn, emb } = fx.input();
    const dh = dims.hiddenSize / dims.numHeads;
    fx.decode(hn, emb, [2], {}, (state, consumed) => {
      expect(state.length).toBe(consumed);
      const shapes = Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, t.shape]));
      expect(shapes).toEqual({ sumV: [2, 3, 1, dh], sumK: [2, 3, dh, 1], sumK2: [2, 3, dh, 1], s1: [2, 3, dh, dh], s2: [2, 3, dh, dh] });
      const floats = Object.values(state.tensors).reduce((n, t) => n + t.size, 0);
      expect(floats).toBe(2 * (3 * dims.hiddenSize + (2 * dims.hiddenSize ** 2) / dims.numHeads));
    }).dispose();
    fx.dispose();
  });

  it("reports the paper kernel's map (A0 + A1 + A2)/3: signed, rows summing to 1, equal to the reference, far from uniform", () => {
    const fx = new MixerFixture(approximateAttention, { dims });
    expect(fx.mixer.mapForm).toEqual({ signed: true, outputScale: 3 });
    const { hn, emb } = fx.input();
    const { out, maps, logits } = fx.captured(hn, emb);
    const seqs = hn.arraySync() as number[][][];
    const want = seqs.map((seq) => approximatePaperMapReference(seq, flatWeights(fx.weights), dims)).flat(3);
    assertClose('approximate', 'captured map vs reference', maps[0]!, want, 1e-4);
    const t = seqs[0]!.length;
    let negative = 0;
    let farFromMean = 0;
    for (let i = 0; i < want.length; i++) {
      const row = Math.floor(i / t) % t;
      const col = i % t;
      if (col <= row) {
        negative = Math.min(negative, want[i]!);
        farFromMean = Math.max(farFromMean, Math.abs(want[i]! - 1 / (row + 1)));
      }
    }
    expect(negative).toBeLessThan(-0.01); // A1 does hold negative weights here
    expect(farFromMean).toBeGreaterThan(0.2);
    expect(logits[0]!.shape).toEqual([2, 3, t, t]);
    [out, ...maps, ...logits].forEach((x) => x.dispose());
    fx.dispose();
  });

  it('rejects kernels it does not offer, naming the ones it does', () => {
    expect(() => approximateAttention.parseOptions({ kernel: 'cubic' })).toThrow(/'paper'.*'based'/);
    expect(() => approximateAttention.parseOptions({ kernel: 'full' })).toThrow(/now called 'based'/);
    expect(() => approximateAttention.parseOptions({ kernel: 'diag' })).toThrow(/only so that checkpoints saved with it load/);
    expect(() => approximateAttention.parseOptions({ kernal: 'paper' })).toThrow(/unknown option 'kernal'/);
  });

  it('reads recorded options as the version that wrote them meant them', () => {
    const load = approximateAttention.loadOptions!;
    expect(load({ kernel: 'full' }, '0.1.0')).toEqual({ kernel: 'based' });
    expect(load({ kernel: 'diag' }, '0.1.0')).toEqual({ kernel: 'diag' });
    expect(load({}, '0.1.0')).toEqual({ kernel: 'based' }); // 0.1.x's default was Based's form
    expect(load({}, '0.0.0')).toEqual({ kernel: 'based' });
    expect(load({}, '0.2.0')).toEqual({ kernel: 'paper' });
    expect(load({ kernel: 'based' }, '0.2.0')).toEqual({ kernel: 'based' });
    expect(() => load({ kernel: 'cubic' }, '0.1.0')).toThrow(/no version of this mixer had/);
  });
});

// Training and scoring take the paper kernel's `parallel` form (the three maps summed, then one
// product with V); decoding and the plain reference take `chunked` (each term's numerator and
// denominator separately). They must agree, values and gradients, on every backend that trains.
describe("the paper kernel's parallel form against its term-by-term form", () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`gives the same output, map and gradients of q, k, v on ${backend} (maps far from uniform)`, async () => {
      await useBackend(backend);
      const kernel = new PaperKernel();
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const shape: [number, number, number, number] = [2, 3, 16, 8];
        // Scores of standard deviation ≈ 9 (q, k ~ N(0, 1.1²), dh 8): the normalised maps have
        // dominant entries, and some first-order denominators are small, amplifying any error.
        const [q, k, v] = [1, 2, 3].map((seed) => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), seed === 3 ? 1 : 1.1) as tf.Tensor4D);
        const r = tf.randomNormal(shape, 0, 1, 'float32', 4);
        const want = { map: true, logits: false };
        const fast = kernel.parallel(q!, k!, v!, want);
        const plain = kernel.chunked(q!, k!, v!, undefined, want);
        assertClose('approximate', `${backend}: parallel output vs term by term`, fast.out, plain.out, 1e-5);
        assertClose('approximate', `${backend}: parallel map vs term by term`, fast.map!, plain.map!, 1e-5);
        // Far from uniform: some row puts over half of its weight on one token.
        const m = plain.map!.arraySync() as number[][][][];
        expect(Math.max(...m.flat(2).map((row) => Math.max(...row.map(Math.abs)) / row.reduce((a, b) => a + Math.abs(b), 0)))).toBeGreaterThan(0.5);
        const loss = (form: 'parallel' | 'chunked') => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const run = form === 'parallel' ? kernel.parallel(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, want) : kernel.chunked(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, undefined, want);
          return tf.sum(tf.mul(run.out, r));
        };
        const gFast = tf.grads(loss('parallel'))([q!, k!, v!]);
        const gPlain = tf.grads(loss('chunked'))([q!, k!, v!]);
        ['q', 'k', 'v'].forEach((name, i) => {
          expect(Array.from(gPlain[i]!.dataSync()).some((x) => x !== 0)).toBe(true);
          assertClose('approximate', `${backend}: gradient of ${name}, parallel vs term by term`, gFast[i]!, gPlain[i]!, 1e-4);
        });
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe("the paper kernel's denominator guard", () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  // One head, dh = 2, four tokens, built so that q_i·Σ_{j≤i} k_j is exactly 0 at row 1, tiny and
  // negative at row 2 (−2⁻²¹ ≈ −4.8e-7), tiny and positive at row 3 (0.75·2⁻²⁵ ≈ 2.2e-8) — every
  // product and partial sum exact in float32 — so the guard must turn them into +1e-6, −1e-6 and
  // +1e-6 (and the second-order denominators of rows 2 and 3, ≈ 1e-12 and 1e-15, into +1e-6). The
  // output must stay finite: no 0/0, no ±∞.
  const k = [
    [1, 1],
    [-1, 0.5],
    [0.25, -0.5],
    [0.5, 1],
  ];
  const q = [
    [1, 0.5],
    [1, 0], // Σk = [0, 1.5]: q·Σk = 1 − 1 = 0
    [-(2 ** -19), 0], // Σk = [0.25, 1]: q·Σk = −2⁻¹⁹ + 2⁻¹⁹ − 2⁻²¹
    [2 ** -25, 0], // Σk = [0.75, 2]: q·Σk = 0.75·2⁻²⁵
  ];
  const v = [
    [0.5, -1],
    [2, 0.25],
    [-0.75, 1.5],
    [1, 1],
  ];

  /** The kernel's output by the formula, in Float64, with the guard. */
  function expected(): number[][] {
    const g = (x: number) => (x >= 0 ? Math.max(x, 1e-6) : Math.min(x, -1e-6));
    return q.map((qi, i) => {
      const out = [0, 0];
      let d1 = 0;
      let d2 = 0;
      const n1 = [0, 0];
      const n2 = [0, 0];
      for (let j = 0; j <= i; j++) {
        const s1 = qi[0]! * k[j]![0]! + qi[1]! * k[j]![1]!;
        const s2 = ((qi[0]! * k[j]![0]!) ** 2 + (qi[1]! * k[j]![1]!) ** 2) / 2;
        d1 += s1;
        d2 += s2;
        for (let c = 0; c < 2; c++) {
          out[c] += v[j]![c]! / (i + 1);
          n1[c] += s1 * v[j]![c]!;
          n2[c] += s2 * v[j]![c]!;
        }
      }
      return out.map((o, c) => o + n1[c]! / g(d1) + n2[c]! / g(d2));
    });
  }

  const t4 = (x: number[][]) => tf.tensor4d(x.flat(), [1, 1, 4, 2]);

  it('engages where q·Σk ≈ 0 and gives the guarded value, in the parallel and the recurrent form', () => {
    const want = expected().flat();
    expect(want.every(Number.isFinite)).toBe(true);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1e5); // the guarded rows: num / 1e-6
    const kernel = new PaperKernel();
    tf.tidy(() => {
      const { out } = kernel.run(t4(q), t4(k), t4(v), undefined, { map: false, logits: false });
      const got = Array.from(out.dataSync());
      for (let i = 0; i < want.length; i++) expect(got[i]! / want[i]!, `element ${i}: ${got[i]} vs ${want[i]}`).toBeCloseTo(1, 3);
      const state = { length: 0, tensors: {} as Record<string, tf.Tensor> };
      const steps: tf.Tensor[] = [];
      for (let i = 0; i < 4; i++) {
        const one = (x: number[][]) => tf.tensor4d(x[i]!, [1, 1, 1, 2]);
        steps.push(kernel.run(one(q), one(k), one(v), state, { map: false, logits: false }).out);
        state.length++;
      }
      const decoded = Array.from(tf.concat(steps, 2).dataSync());
      for (let i = 0; i < want.length; i++) expect(decoded[i]! / want[i]!, `decoded element ${i}`).toBeCloseTo(1, 3);
      Object.values(state.tensors).forEach((x) => x.dispose());
    });
  });

  it('keeps gradients finite through guarded rows', () => {
    const kernel = new PaperKernel();
    tf.tidy(() => {
      const [qt, kt, vt] = [t4(q), t4(k), t4(v)];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(kernel.run(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, undefined, { map: false, logits: false }).out))([qt, kt, vt]);
      for (const x of g) expect(Array.from(x.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  it('Based\'s form needs no guard: its map is row-stochastic with T ≥ 1/2', () => {
    const kernel = new BasedKernel('based');
    tf.tidy(() => {
      const { map } = kernel.run(t4(q), t4(k), t4(v), undefined, { map: true, logits: false });
      const a = map!.dataSync();
      for (let i = 0; i < 4; i++) {
        let sum = 0;
        for (let j = 0; j < 4; j++) {
          if (j <= i) expect(a[i * 4 + j]!).toBeGreaterThan(0);
          sum += a[i * 4 + j]!;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    });
  });
});
