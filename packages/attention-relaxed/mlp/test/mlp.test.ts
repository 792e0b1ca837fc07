import { beforeAll, describe, expect, it } from 'vitest';
import { countParams, getMixer } from '@deconattn/core';
import { useBackend } from '@deconattn/testkit';
import { MixerFixture, assertClose, flatWeights } from '@deconattn/testkit';
import { mlpInnerSize, mlpMixer, mlpParameterDifference, mlpReference } from '../src/index.js';

describe('mlp', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers on import', () => {
    expect(getMixer('mlp')).toBe(mlpMixer);
  });

  it('matches the Float64 reference on random weights', () => {
    const fx = new MixerFixture(mlpMixer, { dims: { hiddenSize: 24, numHeads: 3 } });
    const { hn, emb } = fx.input();
    const out = fx.parallel(hn, emb);
    const ref = (hn.arraySync() as number[][][]).map((seq) => mlpReference(seq, flatWeights(fx.weights), 24, mlpInnerSize(24)));
    assertClose('mlp', 'output vs Float64 reference', out, ref.flat(2), 1e-4);
    fx.dispose();
  });

  it('has the parameter-matched inner width and reports the residual difference', () => {
    expect(mlpInnerSize(768)).toBe(1025);
    expect(mlpParameterDifference(768)).toMatchObject({ innerSize: 1025, mlpParams: 2361600, attentionParams: 2361600, difference: 0 });
    expect(mlpParameterDifference(16)).toMatchObject({ innerSize: 22, mlpParams: 1056, attentionParams: 1072, difference: -16 });
    for (const d of [64, 128, 512, 896]) {
      const r = mlpParameterDifference(d);
      expect(Math.abs(r.difference)).toBeLessThanOrEqual(1.5 * d);
      const dims = { hiddenSize: d, numHeads: 4, headDim: d / 4, intermediateSize: 4 * d, maxPositions: 8, ropeTheta: 1e4, rmsNormEps: 1e-6, vocabSize: 10 };
      expect(countParams(mlpMixer.create(dims, mlpMixer.defaultOptions).params())).toBe(r.mlpParams);
    }
  });

  it('rejects bad options with a clear message', () => {
    expect(() => mlpMixer.parseOptions({ innerSize: 0 })).toThrow(/positive integer/);
    expect(() => mlpMixer.parseOptions({ width: 3 })).toThrow(/unknown option 'width'/);
    expect(mlpMixer.parseOptions({ innerSize: 7 })).toEqual({ innerSize: 7 });
  });
});
