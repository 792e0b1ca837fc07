import { DeconattnError, type ModelDims } from '@deconattn/core';
import type { TokenizerConfig } from '../tokenizer/index.js';

/** Architecture of the decoder LM (docs/model.md §2). Field names follow ours; the checkpoint maps them to Qwen2's. */
export interface ModelConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  vocabSize: number;
  /** Training length Lmax: also the length of a fixed stream. */
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
  tieEmbeddings: boolean;
}

/** Training defaults that come with a preset (overridable from the CLI / code). */
export interface TrainDefaults {
  batchSize: number;
  seqLen: number;
  steps: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  evalInterval: number;
  logInterval: number;
  /** Micro-batches per optimizer step (default 1). */
  accumSteps?: number;
  /** Horizon of the cosine (default `steps`: decay over the run). */
  cosineSteps?: number;
  /** Final learning rate of the cosine (default lr/10). */
  minLr?: number;
}

export interface Preset {
  name: string;
  description: string;
  model: ModelConfig;
  tokenizer: TokenizerConfig;
  train: TrainDefaults;
}

/**
 * The paper's recipe (docs/model.md §7, Table 9): 256 sequences of 2048 tokens per step (2 × 128
 * accumulated micro-batches here, so memory stays that of two sequences), peak LR 4e-4, 2,000
 * warm-up steps, a cosine with 0.5 cycles (down to 0) over "maximum train steps 120000", stopped
 * at the 15B-token budget: 15·10⁹ / (256 · 2048) ≈ 28,610 steps, where the rate is still ≈ 0.88 ×
 * peak. Shorter runs (`steps`) follow the first part of the same curve.
 */
const PAPER_TOKEN_BUDGET = 15e9;
const paperTrain: TrainDefaults = {
  batchSize: 2,
  accumSteps: 128,
  seqLen: 2048,
  steps: Math.round(PAPER_TOKEN_BUDGET / (256 * 2048)),
  lr: 4e-4,
  warmupSteps: 2000,
  cosineSteps: 120_000,
  minLr: 0,
  weightDecay: 0.1,
  evalInterval: 1000,
  logInterval: 10,
};

/**
 * `tiny` trains to a visibly falling loss on two CPU cores in about a minute (byte tokenizer:
 * with a 50K vocabulary the output layer would dominate). `small` is the study's default scale.
 * The paper presets are docs/model.md §2 (Pythia tokenizer, θ = 1e6, head dim 64).
 */
export const PRESETS: Record<string, Preset> = {
  tiny: {
    name: 'tiny',
    description: 'd 64, 2 layers, 4 heads, L 128, byte tokenizer',
    model: { hiddenSize: 64, intermediateSize: 192, numLayers: 2, numHeads: 4, vocabSize: 257, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true },
    tokenizer: { kind: 'byte' },
    train: { batchSize: 8, seqLen: 128, steps: 400, lr: 3e-3, warmupSteps: 20, weightDecay: 0.1, evalInterval: 100, logInterval: 20 },
  },
  small: {
    name: 'small',
    description: 'd 128, 4 layers, 4 heads, L 128, byte tokenizer',
    model: { hiddenSize: 128, intermediateSize: 384, numLayers: 4, numHeads: 4, vocabSize: 257, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true },
    tokenizer: { kind: 'byte' },
    train: { batchSize: 16, seqLen: 128, steps: 400, lr: 2e-3, warmupSteps: 40, weightDecay: 0.1, evalInterval: 100, logInterval: 20 },
  },
  'paper-70m': {
    name: 'paper-70m',
    description: 'docs/model.md §2: d 512, FFN 2048, 6 layers, 8 heads, Pythia tokenizer',
    model: { hiddenSize: 512, intermediateSize: 2048, numLayers: 6, numHeads: 8, vocabSize: 50277, maxPositions: 2048, ropeTheta: 1e6, rmsNormEps: 1e-6, tieEmbeddings: true },
    tokenizer: { kind: 'pythia' },
    train: paperTrain,
  },
  'paper-160m': {
    name: 'paper-160m',
    description: 'docs/model.md §2: d 768, FFN 3072, 12 layers, 12 heads, Pythia tokenizer',
    model: { hiddenSize: 768, intermediateSize: 3072, numLayers: 12, numHeads: 12, vocabSize: 50277, maxPositions: 2048, ropeTheta: 1e6, rmsNormEps: 1e-6, tieEmbeddings: true },
    tokenizer: { kind: 'pythia' },
    train: paperTrain,
  },
  'paper-500m': {
    name: 'paper-500m',
    description: 'docs/model.md §2: d 896, FFN 4864, 24 layers, 14 heads, Pythia tokenizer',
    model: { hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, vocabSize: 50277, maxPositions: 2048, ropeTheta: 1e6, rmsNormEps: 1e-6, tieEmbeddings: true },
    tokenizer: { kind: 'pythia' },
    train: paperTrain,
  },
};

export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new DeconattnError(`Unknown preset '${name}'. Presets: ${Object.keys(PRESETS).join(', ')}.`);
  return p;
}

export function validateConfig(c: ModelConfig): ModelConfig {
  const positiveInts: (keyof ModelConfig)[] = ['hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'vocabSize', 'maxPositions'];
  for (const k of positiveInts) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new DeconattnError(`Model config '${k}' must be a positive integer, got ${JSON.stringify(v)}.`);
  }
  if (c.hiddenSize % c.numHeads !== 0) throw new DeconattnError(`hiddenSize ${c.hiddenSize} must be divisible by numHeads ${c.numHeads}.`);
  if ((c.hiddenSize / c.numHeads) % 2 !== 0) throw new DeconattnError(`The head dimension ${c.hiddenSize / c.numHeads} must be even (RoPE rotates pairs).`);
  if (!(c.ropeTheta > 0)) throw new DeconattnError(`ropeTheta must be positive, got ${c.ropeTheta}.`);
  if (!(c.rmsNormEps > 0)) throw new DeconattnError(`rmsNormEps must be positive, got ${c.rmsNormEps}.`);
  return c;
}

export function dimsOf(c: ModelConfig): ModelDims {
  return {
    hiddenSize: c.hiddenSize,
    numHeads: c.numHeads,
    headDim: c.hiddenSize / c.numHeads,
    intermediateSize: c.intermediateSize,
    maxPositions: c.maxPositions,
    ropeTheta: c.ropeTheta,
    rmsNormEps: c.rmsNormEps,
    vocabSize: c.vocabSize,
  };
}
