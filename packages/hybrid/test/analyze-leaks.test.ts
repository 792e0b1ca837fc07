import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedPassage, useBackend } from '../src/node.js';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { analyzeModel } from '../src/analysis/analyze.js';
import { byteTokenizer } from '../src/tokenizer/index.js';
import { LanguageModel } from '../src/model/model.js';
import { microConfig } from './helpers.js';

/*
 * `deconattn analyze` is analyzeModel on a loaded checkpoint: it sets both capture hooks and keeps
 * a clone of every captured map and logit. Under the spec's ownership rule (a captured tensor is
 * only lent to the hook), no first-party mixer may leave a tensor behind, in a uniform or a
 * hybrid plan, with or without its relaxed layers skipped. The first call may fill inference
 * caches (fixed maps), so the count is taken after it.
 */
const tokenizer = byteTokenizer();
const environment = { tokenizer, defaultPassage: (length: number) => fixedPassage(tokenizer, length).tokenIds };
const sequences = [
  [5, 9, 2, 7, 1, 3, 8, 4],
  [1, 1, 2, 3, 5, 8, 13, 21],
];

describe('analyzeModel leaves no tensor behind', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const mixer of ['standard', ...RELAXED_MIXER_IDS]) {
    it(`${mixer}: uniform and hybrid plans, and the hybrid with its relaxed layers skipped`, async () => {
      for (const preset of ['uniform', 'hybrid'] as const) {
        const model = await LanguageModel.create({ config: { ...microConfig, vocabSize: 257 }, plan: { preset, mixer }, seed: 3, environment });
        try {
          for (const skip of preset === 'hybrid' && mixer !== 'standard' ? [null, 'mixer' as const] : [null]) {
            model.skip = skip;
            const first = await analyzeModel(model, sequences);
            const before = tf.memory().numTensors;
            const again = await analyzeModel(model, sequences);
            await analyzeModel(model, sequences);
            expect(tf.memory().numTensors, `${preset}:${mixer}${skip ? ` skip ${skip}` : ''}`).toBe(before);
            expect(again.layers).toEqual(first.layers);
            // The hooks did run: a layer whose mixer has a map and runs reported indicators and logits.
            for (const l of first.layers) {
              const reports = !l.skipped && l.mixer !== 'mlp';
              expect(l.indicators !== null, `layer ${l.layer} (${l.mixer})`).toBe(reports);
            }
          }
        } finally {
          model.dispose();
        }
      }
    });
  }
});
