import * as tf from '@tensorflow/tfjs-core';
import '@deconattn/attention-standard';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import type { LayerPlan } from '../src/model/plan.js';

export const microConfig: ModelConfig = {
  hiddenSize: 16,
  intermediateSize: 32,
  numLayers: 2,
  numHeads: 2,
  vocabSize: 23,
  maxPositions: 12,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  tieEmbeddings: true,
};

export function microModel(plan: LayerPlan = { preset: 'uniform', mixer: 'standard' }, config: Partial<ModelConfig> = {}, seed = 7): Promise<LanguageModel> {
  return LanguageModel.create({ config: { ...microConfig, ...config }, plan, seed });
}

export function ids(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
