import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '@deconattn/hybrid';

/**
 * Numbers a layer keeps while decoding, per the paper's cost facts (docs/model.md §6: its fp16 byte
 * counts halved), for `batch` sequences of `length` tokens, hidden size d and h heads:
 * standard and static-emb-qk keep keys and values (2·B·L·d); mlp keeps nothing; approximate keeps
 * Σv, Σk, Σk⊙k and two d_h×d_h states per head (3·B·d + 2·B·d²/h); non-approximate a running
 * weighted sum and normaliser (B·d + 2·B·h); the fixed-stream mixers their values plus the
 * stream's, which all sequences share ((B + 1)·L·d: deconattn keeps that shared part once per
 * model, in its inference cache, so `measureDecodingState` sees B·L·d). Null for mixers the paper
 * does not cover. The approximate implementation may keep a different constant (its kernel option
 * decides the recurrent state): `measureDecodingState` reports what it really keeps.
 */
export function paperDecodingState(mixer: string, d: number, h: number, length: number, batch = 1): number | null {
  switch (mixer) {
    case 'standard':
    case 'static-emb-qk':
      return 2 * batch * length * d;
    case 'mlp':
      return 0;
    case 'approximate':
      return 3 * batch * d + (2 * batch * d * d) / h;
    case 'non-approximate':
      return batch * d + 2 * batch * h;
    case 'rnd-emb-qk':
    case 'fixed-seq-qk':
      return (batch + 1) * length * d;
    default:
      return null;
  }
}

/** A layer's decoding state as `constant + perToken · length` numbers (one sequence). */
export interface DecodingStateSize {
  layer: number;
  mixer: string;
  constant: number;
  perToken: number;
}

/**
 * Measures what each layer really keeps while decoding one sequence: feeds `lengths[0]` and then
 * `lengths[1]` tokens through the model's cached decoding path and counts the elements of each
 * layer's state tensors, which gives the per-token growth and the constant part. Works for any
 * registered mixer, including ones the paper's table does not list.
 */
export function measureDecodingState(lm: LanguageModel, lengths: [number, number] = [4, 8]): DecodingStateSize[] {
  const [l1, l2] = lengths;
  const sizes = (length: number): number[] => {
    const state = lm.initDecodeState(1);
    try {
      for (let t = 0; t < length; t++) tf.tidy(() => lm.hidden(tf.tensor2d([[t % lm.config.vocabSize]], [1, 1], 'int32'), { state }));
      return state.layers.map((s) => Object.values(s.tensors).reduce((n, x) => n + x.size, 0));
    } finally {
      lm.disposeDecodeState(state);
    }
  };
  const a = sizes(l1);
  const b = sizes(l2);
  return lm.layerMixers.map((mixer, layer) => {
    const perToken = (b[layer]! - a[layer]!) / (l2 - l1);
    return { layer, mixer, perToken, constant: a[layer]! - perToken * l1 };
  });
}

/** Efficiency of one trained model, next to its accuracy. */
export interface EfficiencyFigures {
  parameters: number;
  /** Decoding state of one sequence, summed over layers: constant part and growth per token (numbers, not bytes). */
  decodingState: { constant: number; perToken: number };
  /** Training throughput (input tokens per second, forward + backward + update) on the backend used. */
  trainTokensPerSec: number;
  /** Peak of live tensor bytes during training (tf.memory(), sampled after forward and backward). */
  peakBytes: number;
  backend: string;
}
