import * as tf from '@tensorflow/tfjs-core';
import type { MixerEnvironment } from '@deconattn/core';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { randomArray } from '@deconattn/testkit';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import type { LayerPlan } from '../src/model/plan.js';
import { crossEntropy } from '../src/model/loss.js';

/** Every mixer the project ships. */
export const ALL_MIXERS = ['standard', ...RELAXED_MIXER_IDS] as const;

export const numericsConfig: ModelConfig = { hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 2, vocabSize: 29, maxPositions: 10, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
export const environment: Omit<MixerEnvironment, 'dims'> = { defaultPassage: (n) => Array.from({ length: n }, (_, i) => (i * 5 + 2) % numericsConfig.vocabSize) };
export const tokens = [
  [3, 14, 15, 9, 2, 6, 5, 3],
  [27, 1, 8, 28, 18, 2, 8, 4],
];
export const targets = tokens.map((row) => [...row.slice(1), (row[0]! * 7) % numericsConfig.vocabSize]);

/** The mixer under test in layer 1, standard attention in layer 2 (standard alone: both standard). */
export function planFor(id: string): LayerPlan {
  return id === 'standard' ? { preset: 'uniform', mixer: 'standard' } : { layers: [id, 'standard'] };
}

export function createModel(id: string, plan: LayerPlan = planFor(id)): Promise<LanguageModel> {
  return LanguageModel.create({ config: numericsConfig, plan, seed: 3, environment });
}

/**
 * Weights at a scale where every term matters: projections N(0, 1/in) — the 0.02 init makes
 * every attention map nearly uniform and hides bugs — with query and key projections `sharpen`
 * times larger still, so that maps are far from uniform; embeddings N(0, 1), norms 1 + N(0, 0.1²).
 * Values are drawn in JavaScript, so every backend gets the same numbers.
 */
export function scaleWeights(model: LanguageModel, seed = 11, sharpen = 3): void {
  model.namedParams().forEach((p, i) => {
    if (p.kind === 'buffer') return;
    const sharp = /(q_proj|k_proj)\.weight$/.test(p.name) ? sharpen : 1;
    const std = p.kind === 'embedding' ? 1 : p.kind === 'linear' ? sharp / Math.sqrt(p.variable.shape[0]!) : 0.1;
    const values = randomArray(p.variable.size, seed + i, std, p.kind === 'norm' ? 1 : 0);
    tf.tidy(() => p.variable.assign(tf.tensor(values, p.variable.shape, 'float32')));
  });
  model.markWeightsChanged();
}

export function idsTensor(rows: number[][] = tokens): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

/** Mean next-token cross-entropy of the fixed batch (training mode: the fixed stream is recomputed). */
export function lossOf(model: LanguageModel): tf.Scalar {
  return tf.tidy(() => {
    const logits = model.logits(idsTensor(), { training: true });
    const n = tokens.length * tokens[0]!.length;
    return crossEntropy(tf.reshape(logits, [n, numericsConfig.vocabSize]) as tf.Tensor2D, tf.tensor1d(targets.flat(), 'int32'));
  });
}

/** Largest |a − b| relative to the largest |b| (1 when b is all zeros). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    const x = Math.abs(a[i]! - b[i]!);
    d = Number.isNaN(x) ? Infinity : Math.max(d, x);
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / Math.max(s, 1e-30);
}
