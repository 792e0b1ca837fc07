import { DeconattnError } from '@deconattn/core';
import { PRESETS, type ModelConfig } from '@deconattn/hybrid';

/** A benchmark setting: the model and the training batch it is timed with. */
export interface BenchConfig {
  name: string;
  model: ModelConfig;
  batchSize: number;
  seqLen: number;
}

/**
 * `reference`: the yardstick of issue 8 — a Qwen2-style LM with d 256, 2 layers, SwiGLU 704,
 * 4 heads, vocabulary 512, trained on 4 × 128 tokens, fp32. Big enough that matrix products
 * dominate, small enough for two CPU cores. The presets are timed with their own batch.
 */
export const REFERENCE_CONFIG: BenchConfig = {
  name: 'reference',
  model: { hiddenSize: 256, intermediateSize: 704, numLayers: 2, numHeads: 4, vocabSize: 512, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true },
  batchSize: 4,
  seqLen: 128,
};

export function benchConfig(name: string): BenchConfig {
  if (name === 'reference') return REFERENCE_CONFIG;
  const p = PRESETS[name];
  if (!p) throw new DeconattnError(`Unknown bench config '${name}'. Configs: reference, ${Object.keys(PRESETS).join(', ')}.`);
  return { name, model: p.model, batchSize: p.train.batchSize, seqLen: Math.min(p.train.seqLen, p.model.maxPositions) };
}

/**
 * Training FLOPs per token, the usual 6·N estimate: 2 per weight of every matrix product
 * forward (the tied output head included), twice that backward, plus the attention products
 * (QKᵀ and AV over the full, unmasked square) of the layers that form a map.
 */
export function trainFlopsPerToken(c: ModelConfig, seqLen: number, matrixParams: number, mapLayers: number): number {
  return 6 * (matrixParams + c.hiddenSize * c.vocabSize) + 6 * mapLayers * 2 * seqLen * c.hiddenSize;
}
