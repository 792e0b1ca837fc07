import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { MixerFixture, assertClose, flatWeights, keepingCaptureHooks } from '@deconattn/testkit';
import pkg from '../package.json' with { type: 'json' };
import { __mixerName__Mixer } from '../src/index.js';
import { __mixerName__Reference } from './reference.js';

// The tfjs mixer against the plain-loop Float64 formula, at dims other than the kit's and with
// weights scaled so that every term matters (MixerFixture's random weights, not 0.02).
const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 10 };

/** Compares an output with the reference to 1e-4 of its scale, then disposes it. */
function expectClose(what: string, out: tf.Tensor, ref: number[]): void {
  try {
    assertClose('__mixer-id__', what, out, ref, 1e-4);
  } finally {
    out.dispose();
  }
}

describe('__mixer-id__ against its Float64 reference', () => {
  it('registers on import, under the package.json name and version', () => {
    expect(getMixer('__mixer-id__')).toBe(__mixerName__Mixer);
    expect(__mixerName__Mixer.packageName).toBe(pkg.name);
    expect(__mixerName__Mixer.packageVersion).toBe(pkg.version);
  });

  for (const scale of [0, 1, 6]) {
    it(`scale ${scale}: the parallel form, token-by-token and chunked decoding match the reference (d 24, 3 heads)`, () => {
      const fx = new MixerFixture(__mixerName__Mixer, { dims, options: { scale } });
      const { hn, emb } = fx.input();
      const ref = (hn.arraySync() as number[][][]).map((seq) => __mixerName__Reference(seq, flatWeights(fx.weights), dims, scale)).flat(2);
      expectClose('parallel form vs reference', fx.parallel(hn, emb), ref);
      expectClose('token-by-token decoding vs reference', fx.decode(hn, emb, [1]), ref);
      expectClose('decoding in chunks of 3, 1, 4 vs reference', fx.decode(hn, emb, [3, 1, 4]), ref);
      tf.dispose([hn, emb]);
      fx.dispose();
    });
  }

  it('captured logits are the pre-softmax scores −λ_h (i − j), and the map is their causal softmax', () => {
    const scale = 2;
    const fx = new MixerFixture(__mixerName__Mixer, { dims, options: { scale } });
    const { hn, emb } = fx.input();
    const { capture, maps, logits } = keepingCaptureHooks();
    fx.parallel(hn, emb, { capture }).dispose();
    const s = logits[0]!.arraySync()[1]!; // second sequence: B×h×T×T
    const a = maps[0]!.arraySync()[1]!;
    for (let head = 0; head < dims.numHeads; head++) {
      const rate = scale * 2 ** (-8 * (head + 1) / dims.numHeads);
      for (let i = 0; i < fx.length; i++) {
        const visible = s[head]![i]!.slice(0, i + 1);
        visible.forEach((x, j) => expect(x).toBeCloseTo(-rate * (i - j), 5));
        const top = Math.max(...visible);
        const e = visible.map((x) => Math.exp(x - top));
        const total = e.reduce((p, q) => p + q, 0);
        e.forEach((x, j) => expect(a[head]![i]![j]!).toBeCloseTo(x / total, 5));
      }
    }
    tf.dispose([hn, emb, ...maps, ...logits]);
    fx.dispose();
  });

  it('rejects bad options with a message that names the right ones', () => {
    expect(__mixerName__Mixer.parseOptions({})).toEqual({ scale: 1 });
    expect(() => __mixerName__Mixer.parseOptions({ scale: -1 })).toThrow(/'scale' must be a finite number ≥ 0/);
    expect(() => __mixerName__Mixer.parseOptions({ scael: 2 })).toThrow(/unknown option 'scael'. Options: scale/);
  });
});
