import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';
import type { LanguageModel } from '../model/model.js';
import { averageIndicators, layerIndicators, type LayerIndicators } from './indicators.js';
import { logitStats, type LogitStats } from './logits.js';

export interface LayerAnalysis {
  /** 1-based, as in the paper's plots. */
  layer: number;
  mixer: string;
  skipped: boolean;
  /** null for mixers without an attention map (mlp) or skipped layers. */
  indicators: LayerIndicators | null;
  /** Pre-softmax logits at causal positions, over every head and sequence. */
  logits: LogitStats | null;
}

export interface ModelAnalysis {
  sequences: number;
  length: number;
  layers: LayerAnalysis[];
  /** Attention maps of the first sequence: [layer][head] → L×L row-major (null without a map). */
  sampleMaps: (number[][] | null)[];
  sampleTokens: number[];
}

export interface AnalyzeOptions {
  /** Keep the first sequence's maps for heatmaps (default true). */
  keepSampleMaps?: boolean;
}

/**
 * The indicators of docs/model.md §5 per layer, averaged over heads and sequences, and the
 * distribution of pre-softmax logits per layer, from the maps each mixer reports through the
 * capture hooks. Sequences must share one length ≤ the model's maxPositions.
 */
export async function analyzeModel(model: LanguageModel, sequences: number[][], opts: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  if (!sequences.length) throw new DeconattnError('analyzeModel needs at least one sequence.');
  const L = sequences[0]!.length;
  if (sequences.some((s) => s.length !== L)) throw new DeconattnError('analyzeModel: all sequences must have the same length.');
  if (L < 4) throw new DeconattnError(`analyzeModel: sequences of ${L} tokens are too short (LocFoc 3 needs at least 4).`);
  if (L > model.config.maxPositions) throw new DeconattnError(`analyzeModel: sequences of ${L} tokens exceed the model's ${model.config.maxPositions} positions.`);
  const n = model.layers.length;
  const perLayer: LayerIndicators[][] = Array.from({ length: n }, () => []);
  const logitValues: number[][] = Array.from({ length: n }, () => []);
  const sampleMaps: (number[][] | null)[] = Array.from({ length: n }, () => null);
  for (let s = 0; s < sequences.length; s++) {
    const maps = new Map<number, tf.Tensor4D>();
    const logits = new Map<number, tf.Tensor4D>();
    try {
      tf.tidy(() => {
        model.hidden(tf.tensor2d([sequences[s]!], [1, L], 'int32'), {
          capture: {
            attention: (layer, m) => void maps.set(layer, tf.keep(tf.clone(m))),
            logits: (layer, l) => void logits.set(layer, tf.keep(tf.clone(l))),
          },
        });
      });
    } catch (e) {
      tf.dispose([...maps.values(), ...logits.values()]); // kept captures outlive the tidy
      throw e;
    }
    for (const [layer, m] of maps) {
      const data = (await m.data()) as Float32Array;
      const heads = m.shape[1];
      const hs: Float32Array[] = [];
      for (let h = 0; h < heads; h++) hs.push(data.subarray(h * L * L, (h + 1) * L * L));
      perLayer[layer]!.push(layerIndicators(hs, L));
      if (s === 0 && opts.keepSampleMaps !== false) sampleMaps[layer] = hs.map((x) => Array.from(x));
      m.dispose();
    }
    for (const [layer, lg] of logits) {
      const data = (await lg.data()) as Float32Array;
      const heads = lg.shape[1];
      const out = logitValues[layer]!;
      for (let h = 0; h < heads; h++) for (let i = 0; i < L; i++) for (let k = 0; k <= i; k++) out.push(data[h * L * L + i * L + k]!);
      lg.dispose();
    }
  }
  return {
    sequences: sequences.length,
    length: L,
    sampleTokens: sequences[0]!,
    sampleMaps,
    layers: model.layers.map((layer, i) => ({
      layer: i + 1,
      mixer: layer.mixerId,
      skipped: model.isSkippedLayer(i),
      indicators: perLayer[i]!.length ? averageIndicators(perLayer[i]!) : null,
      logits: logitValues[i]!.length ? logitStats(logitValues[i]!) : null,
    })),
  };
}
