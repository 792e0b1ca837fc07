import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionParamCount, getMixer, type CaptureHooks } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, describeMixerConformance, flatWeights } from '@deconattn/testkit';
import { slidingWindowAttention } from '../src/index.js';
import { slidingWindowReference } from './reference.js';

// The conformance kit, exactly as any mixer author runs it: with the default window (16, wider
// than the kit's sequences, so it behaves as full causal attention) and with a window of 3 that
// cuts every sequence, decoded in chunks longer than the window.
const quiet = { report: () => {} };
describeMixerConformance(slidingWindowAttention, { describe, it }, { ...quiet, expectedParameterCount: attentionParamCount(16) });
describeMixerConformance(slidingWindowAttention, { describe, it }, { ...quiet, options: { window: 3 }, decodeChunks: [4, 1, 2], expectedParameterCount: attentionParamCount(16) });

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 10, ropeTheta: 10000 };

describe('sliding-window against a plain-loop Float64 reference', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import', () => {
    expect(getMixer('sliding-window')).toBe(slidingWindowAttention);
    expect(slidingWindowAttention.packageName).toBe('deconattn-mixer-sliding-window');
  });

  for (const window of [1, 3, 16]) {
    it(`window ${window}: parallel, token-by-token and chunked decoding match the reference`, () => {
      const fx = new MixerFixture(slidingWindowAttention, { dims, options: { window } });
      const { hn, emb } = fx.input();
      const ref = (hn.arraySync() as number[][][]).map((seq) => slidingWindowReference(seq, flatWeights(fx.weights), dims, window)).flat(2);
      const held: number[] = [];
      const keptKeys = (state: { tensors: Record<string, tf.Tensor> }) => held.push(state.tensors.k!.shape[2]!);
      assertClose('sliding-window', 'parallel form vs reference', fx.parallel(hn, emb), ref, 1e-4);
      assertClose('sliding-window', 'token-by-token decoding vs reference', fx.decode(hn, emb, [1], {}, keptKeys), ref, 1e-4);
      assertClose('sliding-window', 'decoding in chunks of 4, 2, 3 vs reference', fx.decode(hn, emb, [4, 2, 3], {}, keptKeys), ref, 1e-4);
      // The cache holds at most `window` keys, whatever has been consumed.
      expect(Math.max(...held)).toBe(Math.min(window, fx.length));
      tf.dispose([hn, emb]);
      fx.dispose();
    });
  }

  it('a window of 3 really cuts: changing a token more than 3 back leaves the output unchanged, changing one within it does not', () => {
    const fx = new MixerFixture(slidingWindowAttention, { dims, options: { window: 3 } });
    const n = fx.length;
    const { hn, emb } = fx.input();
    const base = hn.arraySync() as number[][][];
    const last = (x: number[][][]) => fx.parallel(tf.tensor3d(x), emb).arraySync().map((seq) => seq[n - 1]!);
    const changed = (pos: number) => base.map((seq) => seq.map((row, t) => (t === pos ? row.map((v) => v + 1) : row)));
    assertClose('sliding-window', 'last output after changing token n-4', last(changed(n - 4)).flat(), last(base).flat(), 1e-6);
    expect(Math.max(...last(changed(n - 3)).flat().map((v, i) => Math.abs(v - last(base).flat()[i]!)))).toBeGreaterThan(1e-3);
    tf.dispose([hn, emb]);
    fx.dispose();
  });

  it('captured maps while decoding index keys by absolute position (evicted keys are zero columns)', () => {
    const fx = new MixerFixture(slidingWindowAttention, { dims, options: { window: 3 } });
    const { hn, emb } = fx.input();
    const maps: tf.Tensor4D[] = [];
    const capture: CaptureHooks = { attention: (_layer, m) => maps.push(tf.keep(tf.clone(m))) };
    fx.decode(hn, emb, [4, 2], { capture }).dispose();
    expect(maps.map((m) => m.shape.slice(2))).toEqual([[4, 4], [2, 6], [2, 8]]); // the kit's sequences are Lmax − 2 = 8 long
    const row = maps[1]!.arraySync()[0]![0]![1]!; // query at position 5 sees keys 3, 4, 5
    expect(row.slice(0, 3)).toEqual([0, 0, 0]);
    expect(row.slice(3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    tf.dispose([hn, emb, ...maps]);
    fx.dispose();
  });

  it('rejects bad options with a message that says what is right', () => {
    expect(slidingWindowAttention.parseOptions({})).toEqual({ window: 16 });
    expect(() => slidingWindowAttention.parseOptions({ window: 0 })).toThrow(/'window' must be a positive integer .* got 0/);
    expect(() => slidingWindowAttention.parseOptions({ window: 2.5 })).toThrow(/positive integer/);
    expect(() => slidingWindowAttention.parseOptions({ windw: 4 })).toThrow(/unknown option 'windw'. Options: window/);
    expect(() => slidingWindowAttention.parseOptions(8)).toThrow(/must be an object such as \{"window": 16\}/);
  });
});
