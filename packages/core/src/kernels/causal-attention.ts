import * as tf from '@tensorflow/tfjs-core';
import { applyRope } from '../blocks/rope.js';
import { causalSoftmaxAttention, mergeHeads, splitHeads } from '../heads.js';
import { ShapeError } from '../errors.js';
import { KERNEL, hasKernel } from './names.js';

export interface CausalAttentionOptions {
  numHeads: number;
  /** RoPE base θ for queries and keys; null = no rotary embedding. */
  ropeTheta: number | null;
  /** Position of the first token (RoPE), default 0. Queries and keys cover the same positions. */
  positionOffset?: number;
}

/** Longest sequence the fused kernel takes (its scratch grows with T²); longer ones use the plain path. */
export const FUSED_ATTENTION_MAX_LENGTH = 1024;

/**
 * Causal softmax attention straight from the projections: `q`, `k`, `v` are `B×T×(H·dh)` (each
 * head's columns side by side, as `x W + b` gives them), the output too, heads concatenated and
 * ready for W_O. RoPE on q and k, `softmax(causal(QKᵀ/√dh)) V` per head. `q` and `k` may have
 * batch 1 while `v` has batch B: one map per head, shared by every sequence of the batch.
 *
 * With a fused kernel on the backend (KERNEL.causalAttention) this is one kernel forward and one
 * backward; otherwise `causalAttentionReference`, the composition it is tested against.
 */
export function causalAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, o: CausalAttentionOptions): tf.Tensor3D {
  const [qb, t, d] = q.shape;
  const b = v.shape[0];
  if (k.shape[0] !== qb || k.shape[1] !== t || k.shape[2] !== d) throw new ShapeError(`causalAttention: k has shape [${k.shape.join(', ')}], q has [${q.shape.join(', ')}]; they must be equal.`);
  if ((qb !== b && qb !== 1) || v.shape[1] !== t || v.shape[2] !== d) {
    throw new ShapeError(`causalAttention: v has shape [${v.shape.join(', ')}] for q of shape [${q.shape.join(', ')}]; v must have q's length and width, and q's batch or any batch when q's is 1.`);
  }
  if (d % o.numHeads !== 0) throw new ShapeError(`causalAttention: width ${d} is not divisible by ${o.numHeads} heads.`);
  const dh = d / o.numHeads;
  if (!hasKernel(KERNEL.causalAttention) || dh % 8 !== 0 || t > FUSED_ATTENTION_MAX_LENGTH || q.dtype !== 'float32') return causalAttentionReference(q, k, v, o);
  const attrs = { numHeads: o.numHeads, scale: 1 / Math.sqrt(dh), ropeTheta: o.ropeTheta ?? 0, positionOffset: o.positionOffset ?? 0 };
  const fused = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, lse] = tf.engine().runKernel(KERNEL.causalAttention, { q: qi, k: ki, v: vi }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([qi, ki, vi, out!, lse!]);
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [qs, ks, vs, os, ls] = saved;
        return tf.engine().runKernel(KERNEL.causalAttentionGrad, { q: qs!, k: ks!, v: vs!, out: os!, lse: ls!, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  }) as any) as (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D) => tf.Tensor3D;
  return fused(q, k, v);
}

/**
 * The plain composition: split heads, RoPE, masked softmax attention, merge heads. A batch-1 q
 * and k are tiled to v's batch (tfjs' batched matMul gradient does not sum over broadcast batches).
 */
export function causalAttentionReference(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, o: CausalAttentionOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const offset = o.positionOffset ?? 0;
    if (q.shape[0] !== v.shape[0]) {
      q = tf.tile(q, [v.shape[0], 1, 1]);
      k = tf.tile(k, [v.shape[0], 1, 1]);
    }
    let qh = splitHeads(q, o.numHeads);
    let kh = splitHeads(k, o.numHeads);
    if (o.ropeTheta !== null) {
      qh = applyRope(qh, offset, o.ropeTheta);
      kh = applyRope(kh, offset, o.ropeTheta);
    }
    return mergeHeads(causalSoftmaxAttention(qh, kh, splitHeads(v, o.numHeads), 0).out);
  });
}
