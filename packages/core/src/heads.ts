import * as tf from '@tensorflow/tfjs-core';
import type { MixerWeights, ModelDims, ParamSpec } from './spec.js';
import { linear } from './blocks/linear.js';
import { INIT_STD } from './blocks/init.js';
import { causalBias } from './blocks/mask.js';

/** `B×T×(h·dh)` → `B×h×T×dh`. */
export function splitHeads(x: tf.Tensor3D, numHeads: number): tf.Tensor4D {
  const [b, t, d] = x.shape;
  return tf.transpose(tf.reshape(x, [b, t, numHeads, d / numHeads]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** `B×h×T×dh` → `B×T×(h·dh)`. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, t, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * dh]) as tf.Tensor3D;
}

/** `split_heads(x W + b)` for the attention projection `q`, `k` or `v` (weights `{which}_proj.*`). */
export function projectHeads(x: tf.Tensor3D, w: MixerWeights, which: 'q' | 'k' | 'v', numHeads: number): tf.Tensor4D {
  return splitHeads(linear(x, w[`${which}_proj.weight`]!, w[`${which}_proj.bias`]) as tf.Tensor3D, numHeads);
}

/** Heads concatenated, then W_O (no bias): the attention sublayer's output. */
export function outputProjection(heads: tf.Tensor4D, w: MixerWeights): tf.Tensor3D {
  return linear(mergeHeads(heads), w['o_proj.weight']!) as tf.Tensor3D;
}

/**
 * The attention sublayer's parameters (docs/model.md §2): W_Q, W_K, W_V with bias, W_O without,
 * 4d² + 3d in all. Every mixer except `mlp` owns exactly these, under Qwen2's names.
 */
export function attentionParamSpecs(dims: ModelDims): ParamSpec[] {
  const d = dims.hiddenSize;
  const inner = dims.numHeads * dims.headDim;
  const w = (name: string, i: number, o: number): ParamSpec => ({ name, shape: [i, o], kind: 'linear', init: { type: 'normal', std: INIT_STD } });
  const b = (name: string, n: number): ParamSpec => ({ name, shape: [n], kind: 'bias', init: { type: 'zeros' } });
  return [
    w('q_proj.weight', d, inner),
    b('q_proj.bias', inner),
    w('k_proj.weight', d, inner),
    b('k_proj.bias', inner),
    w('v_proj.weight', d, inner),
    b('v_proj.bias', inner),
    w('o_proj.weight', inner, d),
  ];
}

/** Attention-sublayer parameter count for hidden size d: 4d² + 3d (h·dh = d). */
export function attentionParamCount(d: number): number {
  return 4 * d * d + 3 * d;
}

/**
 * Causal softmax attention over heads: `softmax(QKᵀ/√dh + causal) V`. `q` is `B×h×Tq×dh` at
 * positions offset…offset+Tq-1, `k`,`v` are `B×h×Tk×dh` at positions 0…Tk-1. Returns the
 * output `B×h×Tq×dh` and, when asked, the map and the pre-softmax logits `QKᵀ/√dh` (unmasked):
 * ordinary intermediates that the caller's `tf.tidy` frees, ready to lend to the capture hooks.
 */
export function causalSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  offset: number,
  want: { map?: boolean; logits?: boolean } = {},
): { out: tf.Tensor4D; map?: tf.Tensor4D; logits?: tf.Tensor4D } {
  const dh = q.shape[3];
  const tq = q.shape[2];
  const tk = k.shape[2];
  const logits = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)) as tf.Tensor4D;
  const map = tf.softmax(tf.add(logits, causalBias(tq, tk, offset))) as tf.Tensor4D;
  const out = tf.matMul(map, v) as tf.Tensor4D;
  return { out, map: want.map ? map : undefined, logits: want.logits ? logits : undefined };
}
