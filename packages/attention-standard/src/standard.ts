import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  applyRope,
  attentionParamSpecs,
  causalAttention,
  causalSoftmaxAttention,
  linear,
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

export interface StandardAttentionOptions {
  /** Apply RoPE to queries and keys (docs/model.md §2: yes). */
  rope: boolean;
}

const DEFAULTS: StandardAttentionOptions = { rope: true };

/**
 * Standard dot-product attention, Qwen2 style (docs/model.md §3.1): `Q,K,V = Hn W + b`, RoPE on Q and
 * K, `softmax(causal(QKᵀ/√dh)) V`, heads concatenated, then W_O (no bias). Decodes with a KV cache.
 */
export class StandardAttention implements TokenMixer<StandardAttentionOptions> {
  readonly id = 'standard';
  constructor(
    readonly dims: ModelDims,
    readonly options: StandardAttentionOptions,
  ) {}

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const { numHeads, ropeTheta } = this.dims;
    const state = ctx.state;
    const past = state ? state.length : 0;
    const offset = state ? past : ctx.positionOffset;
    if (!state && !ctx.capture) {
      // Training and scoring: one fused kernel where the backend has it (same numbers).
      const proj = (which: 'q' | 'k' | 'v') => linear(hn, w[`${which}_proj.weight`]!, w[`${which}_proj.bias`]) as tf.Tensor3D;
      const mixed = causalAttention(proj('q'), proj('k'), proj('v'), { numHeads, ropeTheta: this.options.rope ? ropeTheta : null, positionOffset: offset });
      return linear(mixed, w['o_proj.weight']!) as tf.Tensor3D;
    }
    let q = projectHeads(hn, w, 'q', numHeads);
    let k = projectHeads(hn, w, 'k', numHeads);
    let v = projectHeads(hn, w, 'v', numHeads);
    if (this.options.rope) {
      q = applyRope(q, offset, ropeTheta);
      k = applyRope(k, offset, ropeTheta);
    }
    if (state) [k, v] = appendToCache(state, k, v);
    const want = { map: !!ctx.capture?.attention, logits: !!ctx.capture?.logits };
    const { out, map, logits } = causalSoftmaxAttention(q, k, v, past, want);
    if (map) ctx.capture!.attention!(ctx.layer, map);
    if (logits) ctx.capture!.logits!(ctx.layer, logits);
    return outputProjection(out, w);
  }
}

/** Appends this step's keys/values to the cache; returns the full cached keys/values. */
function appendToCache(state: MixerState, k: tf.Tensor4D, v: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const oldK = state.tensors.k as tf.Tensor4D | undefined;
  const oldV = state.tensors.v as tf.Tensor4D | undefined;
  const allK = oldK ? (tf.concat([oldK, k], 2) as tf.Tensor4D) : k;
  const allV = oldV ? (tf.concat([oldV, v], 2) as tf.Tensor4D) : v;
  state.tensors.k = tf.keep(allK);
  state.tensors.v = tf.keep(allV);
  oldK?.dispose();
  oldV?.dispose();
  state.length += k.shape[2];
  return [allK, allV];
}

export const standardAttention: TokenMixerDefinition<StandardAttentionOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('standard', DEFAULTS, { rope: optionChecks.boolean() }),
  id: 'standard',
  role: 'baseline',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'none (the baseline: token mixing, q·k softmax form, sequence dependency, current QK)',
  description: 'Standard causal dot-product attention with RoPE and q/k/v biases (Qwen2 style).',
  decoding: 'kv-cache',
  hasAttentionMap: true,
  needs: () => ({}),
  create: (dims, options) => new StandardAttention(dims, options),
};
