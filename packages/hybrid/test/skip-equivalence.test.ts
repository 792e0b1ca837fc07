import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_MIXER_SPEC_VERSION, registerMixer } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import type { LayerPlan } from '../src/model/plan.js';
import { environment, idsTensor, numericsConfig, scaleWeights, tokens } from './numerics-helpers.js';

/**
 * `skip` removes exactly the relaxed layers, on models that have them: `skip: 'block'` gives the
 * logits of a model built from the standard layers alone (their weights copied), and
 * `skip: 'mixer'` those of the same model whose relaxed mixers output zero (every other weight
 * copied) — forward and token-by-token decoding.
 */
const config: ModelConfig = { ...numericsConfig, numLayers: 4 };
const PLANS: LayerPlan[] = [{ layers: ['mlp', 'standard', 'approximate', 'standard'] }, { layers: ['rnd-emb-qk', 'standard', 'static-emb-qk', 'non-approximate'] }, { layers: ['standard', 'fixed-seq-qk', 'standard', 'fixed-seq-qk'] }];

function logitsOf(m: LanguageModel): { parallel: Float32Array; decoded: Float32Array } {
  const parallel = m.logits(idsTensor()).dataSync() as Float32Array;
  const state = m.initDecodeState(tokens.length);
  const steps = tokens[0]!.map((_, t) => m.logits(idsTensor(tokens.map((r) => [r[t]!])), { state }));
  m.disposeDecodeState(state);
  const decoded = tf.concat(steps, 1).dataSync() as Float32Array;
  tf.dispose(steps);
  return { parallel, decoded };
}

/** Copies every weight of `from` whose (renamed) checkpoint name exists in `to`. */
function copyWeights(from: LanguageModel, to: LanguageModel, rename: (name: string) => string | undefined): number {
  const target = new Map(to.namedParams().map((p) => [p.name, p.variable]));
  let n = 0;
  for (const p of from.namedParams()) {
    const name = rename(p.name);
    const v = name === undefined ? undefined : target.get(name);
    if (v) {
      v.assign(p.variable);
      n++;
    }
  }
  to.markWeightsChanged();
  return n;
}

describe('skip removes exactly the relaxed layers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    // A mixer that contributes nothing: what `skip: 'mixer'` must be equivalent to.
    registerMixer({
      specificationVersion: TOKEN_MIXER_SPEC_VERSION,
      id: 'test-zero',
      packageName: '@test/zero',
      packageVersion: '0.0.0',
      role: 'relaxed',
      principle: 'test',
      description: 'outputs zeros',
      decoding: 'none',
      hasAttentionMap: false,
      defaultOptions: {},
      parseOptions: () => ({}),
      needs: () => ({}),
      create: () => ({ id: 'test-zero', options: {}, params: () => [], initState: () => ({ length: 0, tensors: {} }), apply: (hn, _w, ctx) => (ctx.state && (ctx.state.length += hn.shape[1]), tf.zerosLike(hn)) }),
    });
  });

  for (const plan of PLANS) {
    const layers = (plan as { layers: string[] }).layers;
    const standard = layers.flatMap((id, i) => (id === 'standard' ? [i] : []));

    it(`${layers.join(',')}: skip 'block' equals a model of its standard layers alone`, async () => {
      const model = await LanguageModel.create({ config, plan, seed: 3, environment });
      scaleWeights(model);
      const full = logitsOf(model).parallel;
      model.skip = 'block';
      const skipped = logitsOf(model);
      const ref = await LanguageModel.create({ config: { ...config, numLayers: standard.length }, plan: { preset: 'uniform', mixer: 'standard' }, seed: 5, environment });
      const copied = copyWeights(model, ref, (name) => {
        const m = /^model\.layers\.(\d+)\.(.*)$/.exec(name);
        if (!m) return name;
        const k = standard.indexOf(Number(m[1]));
        return k < 0 ? undefined : `model.layers.${k}.${m[2]}`;
      });
      expect(copied).toBe(ref.namedParams().length);
      const expected = logitsOf(ref);
      expect(skipped.parallel).toEqual(expected.parallel);
      expect(Array.from(skipped.decoded).map((x, i) => Math.abs(x - expected.decoded[i]!)).every((d) => d < 1e-4)).toBe(true);
      expect(full).not.toEqual(skipped.parallel); // the relaxed layers did contribute
      model.dispose();
      ref.dispose();
    });

    it(`${layers.join(',')}: skip 'mixer' equals the model with its relaxed mixers replaced by zero`, async () => {
      const model = await LanguageModel.create({ config, plan, seed: 3, environment });
      scaleWeights(model);
      model.skip = 'mixer';
      const skipped = logitsOf(model);
      const ref = await LanguageModel.create({ config, plan: { layers: layers.map((id) => (id === 'standard' ? id : 'test-zero')) }, seed: 5, environment });
      copyWeights(model, ref, (name) => name);
      const expected = logitsOf(ref);
      expect(skipped.parallel).toEqual(expected.parallel);
      expect(Array.from(skipped.decoded).map((x, i) => Math.abs(x - expected.decoded[i]!)).every((d) => d < 1e-4)).toBe(true);
      model.dispose();
      ref.dispose();
    });
  }
});
