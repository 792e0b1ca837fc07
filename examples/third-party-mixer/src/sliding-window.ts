import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  applyRope,
  attentionParamSpecs,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type TokenMixer,
  type TokenMixerDefinition,
  projectHeads,
  outputProjection,
} from '@deconattn/core';
import pkg from '../package.json';
import { windowBias } from './window-mask.js';

export interface SlidingWindowOptions {
  /** How many tokens each position sees: itself and the `window − 1` before it. */
  window: number;
}

const DEFAULTS: SlidingWindowOptions = { window: 16 };

/**
 * Causal sliding-window attention: standard attention's Q, K, V (with biases), RoPE on Q and K,
 * and W_O, but query i attends only to keys i − window + 1 … i:
 * `softmax(QKᵀ/√dh + band) V`. Decoding keeps only the last `window` keys and values, so the
 * cache stops growing once the window is full.
 */
export class SlidingWindowAttention implements TokenMixer<SlidingWindowOptions> {
  readonly id = 'sliding-window';
  constructor(
    readonly dims: ModelDims,
    readonly options: SlidingWindowOptions,
  ) {}

  // The same parameters as standard attention, under the same names: a model that swaps a
  // standard layer for this one keeps its parameter count and checkpoint layout.
  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const { numHeads, ropeTheta, headDim } = this.dims;
    const state = ctx.state;
    const past = state ? state.length : 0;
    const offset = state ? past : ctx.positionOffset;
    const q = applyRope(projectHeads(hn, w, 'q', numHeads), offset, ropeTheta);
    let k = applyRope(projectHeads(hn, w, 'k', numHeads), offset, ropeTheta);
    let v = projectHeads(hn, w, 'v', numHeads);
    // Position of the first key in k (relative to the first query when there is no state).
    let keyStart = 0;
    if (state) ({ k, v, keyStart } = appendToWindow(state, k, v, this.options.window));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
    const map = tf.softmax(tf.add(scores, windowBias(q.shape[2], k.shape[2], past, keyStart, this.options.window))) as tf.Tensor4D;
    // Captured maps index keys by absolute position (as standard attention's do): the keys that
    // fell out of the cache get explicit zero columns. Raw scores are not captured: the hook's
    // consumers mask only causally and would count the out-of-window scores.
    if (ctx.capture?.attention) ctx.capture.attention(ctx.layer, keyStart > 0 ? (tf.pad(map, [[0, 0], [0, 0], [0, 0], [keyStart, 0]]) as tf.Tensor4D) : map);
    return outputProjection(tf.matMul(map, v) as tf.Tensor4D, w);
  }
}

/**
 * Appends this call's keys/values to the cache and keeps only the last `window` of them for the
 * next call. Returns the keys/values this call attends over (the old cache plus the new ones: a
 * chunk's first query may need keys that the trimmed cache no longer holds) and the position of
 * the first of them.
 */
function appendToWindow(state: MixerState, k: tf.Tensor4D, v: tf.Tensor4D, window: number): { k: tf.Tensor4D; v: tf.Tensor4D; keyStart: number } {
  const oldK = state.tensors.k as tf.Tensor4D | undefined;
  const oldV = state.tensors.v as tf.Tensor4D | undefined;
  const allK = oldK ? (tf.concat([oldK, k], 2) as tf.Tensor4D) : k;
  const allV = oldV ? (tf.concat([oldV, v], 2) as tf.Tensor4D) : v;
  const held = allK.shape[2];
  const keep = Math.min(window, held);
  const tail = (x: tf.Tensor4D) => tf.keep(tf.slice(x, [0, 0, held - keep, 0], [-1, -1, keep, -1]));
  state.tensors.k = tail(allK);
  state.tensors.v = tail(allV);
  oldK?.dispose();
  oldV?.dispose();
  const keyStart = state.length - (oldK ? oldK.shape[2] : 0);
  state.length += k.shape[2];
  return { k: allK, v: allV, keyStart };
}

export const slidingWindowAttention: TokenMixerDefinition<SlidingWindowOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('sliding-window', DEFAULTS, { window: optionChecks.integer(1, Infinity, ' (the number of tokens each position sees, itself included)') }),
  id: 'sliding-window',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency, restricted to a local window (each token attends to the last `window` tokens only)',
  description: 'Causal sliding-window attention: standard attention (RoPE, q/k/v biases) masked to the last `window` tokens.',
  decoding: 'kv-cache',
  hasAttentionMap: true,
  needs: () => ({}),
  create: (dims, options) => new SlidingWindowAttention(dims, options),
};
