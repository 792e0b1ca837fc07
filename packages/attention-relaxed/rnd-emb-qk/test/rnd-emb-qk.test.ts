import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { MAP_CACHE_LIMIT, fixedMapsReference, rndEmbQk } from '../src/index.js';

const dims = { hiddenSize: 24, numHeads: 3, maxPositions: 12 };

describe('rnd-emb-qk', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import and asks the model for a random fixed stream', () => {
    expect(getMixer('rnd-emb-qk')).toBe(rndEmbQk);
    expect(rndEmbQk.needs(rndEmbQk.parseOptions({ seed: 7 }), { ...dims } as never)).toEqual({ fixedStream: { kind: 'random', seed: 7, std: 0.02 } });
  });

  for (const length of [12, 5]) {
    it(`matches the Float64 reference for n = ${length} (top-left n×n block of the stream's maps)`, () => {
      const fx = new MixerFixture(rndEmbQk, { dims, length });
      const { hn, emb } = fx.input();
      const stream = (fx.stream!.arraySync() as number[][][])[0]!;
      const ref = (hn.arraySync() as number[][][]).map((seq) => fixedMapsReference(seq, stream, flatWeights(fx.weights), { ...dims, ropeTheta: 10000 })).flat(2);
      assertClose('rnd-emb-qk', 'output vs reference', fx.parallel(hn, emb), ref, 1e-4);
      fx.dispose();
    });
  }

  it('refuses inputs longer than Lmax, in parallel and while decoding', () => {
    const fx = new MixerFixture(rndEmbQk, { dims });
    const long = fx.input(3, 1, 13);
    expect(() => fx.parallel(long.hn, long.emb)).toThrow(ShapeError);
    expect(() => fx.parallel(long.hn, long.emb)).toThrow(/reaches position 13.*Lmax = 12/);
    expect(() => fx.decode(long.hn, long.emb, [4])).toThrow(/Lmax = 12/);
    fx.dispose();
  });

  it('computes the maps once at inference and reuses them for every batch and token', () => {
    const fx = new MixerFixture(rndEmbQk, { dims });
    const cache = new Map<string, tf.Tensor>();
    const a = fx.input(11);
    fx.parallel(a.hn, a.emb, { inferenceCache: cache }).dispose();
    expect([...cache.keys()]).toEqual(['fixed-maps/map']);
    const first = cache.get('fixed-maps/map')!;
    expect(first.shape).toEqual([1, 3, 12, 12]);
    const before = tf.memory().numTensors;
    const b = fx.input(12, 3, 7);
    fx.parallel(b.hn, b.emb, { inferenceCache: cache }).dispose();
    fx.decode(b.hn, b.emb, [1], { inferenceCache: cache }).dispose();
    expect(cache.get('fixed-maps/map')).toBe(first);
    expect(cache.size).toBe(1);
    b.hn.dispose();
    b.emb.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Training never reads a cache: the maps must follow the weights.
    fx.parallel(a.hn, a.emb, { inferenceCache: cache, training: true }).dispose();
    expect(cache.get('fixed-maps/map')).toBe(first);
    cache.forEach((x) => x.dispose());
    fx.dispose();
  });

  it('caches the stream’s rotated Q and K instead of maps too large to keep (h·Lmax² > MAP_CACHE_LIMIT)', () => {
    const big = { hiddenSize: 16, numHeads: 2, maxPositions: 1500 };
    expect(2 * 1500 * 1500).toBeGreaterThan(MAP_CACHE_LIMIT);
    const fx = new MixerFixture(rndEmbQk, { dims: big, length: 8 });
    const cache = new Map<string, tf.Tensor>();
    const { hn, emb } = fx.input();
    const plain = fx.parallel(hn, emb);
    assertClose('rnd-emb-qk', 'cached Q/K path', fx.parallel(hn, emb, { inferenceCache: cache }), plain, 1e-5);
    expect([...cache.keys()].sort()).toEqual(['fixed-maps/k', 'fixed-maps/q']);
    expect(cache.get('fixed-maps/q')!.shape).toEqual([1, 2, 1500, 8]);
    assertClose('rnd-emb-qk', 'decoding from cached Q/K', fx.decode(hn, emb, [3, 1], { inferenceCache: cache }), plain, 1e-5);
    cache.forEach((x) => x.dispose());
    fx.dispose();
  });

  it('lets gradients flow into the stream unless stopGradient is set', () => {
    for (const stopGradient of [false, true]) {
      const fx = new MixerFixture(rndEmbQk, { dims, options: { stopGradient } });
      const { hn, emb } = fx.input();
      const g = tf.grad((s: tf.Tensor) => tf.sum(fx.mixer.apply(hn, fx.weights, fx.context(emb, { training: true, stream: { hn: s as tf.Tensor3D } }))))(fx.stream!);
      const norm = Math.max(...g.dataSync().map(Math.abs));
      if (stopGradient) expect(norm).toBe(0);
      else expect(norm).toBeGreaterThan(0);
      fx.dispose();
    }
  });

  it('validates its options', () => {
    expect(() => rndEmbQk.parseOptions({ std: 0 })).toThrow(/positive number/);
    expect(() => rndEmbQk.parseOptions({ seed: -1 })).toThrow(/integer/);
    expect(() => rndEmbQk.parseOptions({ stopGradient: 'yes' })).toThrow(/true or false/);
  });
});
