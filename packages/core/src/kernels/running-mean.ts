import * as tf from '@tensorflow/tfjs-core';
import { causalBias } from '../blocks/mask.js';
import { mergeHeads, splitHeads } from '../heads.js';
import { ShapeError } from '../errors.js';
import { KERNEL, hasKernel } from './names.js';

/**
 * The running softmax-weighted mean of the values, one score per token: per head
 * `s_t = q_t·k_t / √dh`, `o_i = Σ_{j≤i} e^{s_j} v_j / Σ_{j≤i} e^{s_j}` (the non-approximate mixer,
 * MODEL.md §3.4). `q`, `k`, `v` and the output are `B×T×(H·dh)`. One kernel each way where the
 * backend has KERNEL.runningMean; otherwise `runningSoftmaxMeanReference`.
 */
export function runningSoftmaxMean(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  for (const [name, x] of [['k', k], ['v', v]] as const) {
    if (x.shape.join() !== q.shape.join()) throw new ShapeError(`runningSoftmaxMean: ${name} has shape [${x.shape.join(', ')}], q has [${q.shape.join(', ')}]; they must be equal.`);
  }
  if (!hasKernel(KERNEL.runningMean) || q.dtype !== 'float32') return runningSoftmaxMeanReference(q, k, v, numHeads);
  const attrs = { numHeads, scale: 1 / Math.sqrt(q.shape[2] / numHeads) };
  const fused = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, lz] = tf.engine().runKernel(KERNEL.runningMean, { q: qi, k: ki, v: vi }, attrs) as tf.Tensor[];
    save([qi, ki, vi, out!, lz!]);
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, [qs, ks, vs, os, ls]: tf.Tensor[]) =>
        tf.engine().runKernel(KERNEL.runningMeanGrad, { q: qs!, k: ks!, v: vs!, out: os!, lz: ls!, dy }, attrs) as tf.Tensor[],
    };
  }) as any) as (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D) => tf.Tensor3D;
  return fused(q, k, v);
}

/**
 * The plain composition: the causal rows as a masked T×T softmax over the per-token scores (the
 * exact map; O(T²), for reference and for backends without the kernel).
 */
export function runningSoftmaxMeanReference(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const t = q.shape[1];
    const dh = q.shape[2] / numHeads;
    const s = tf.mul(tf.sum(tf.mul(splitHeads(q, numHeads), splitHeads(k, numHeads)), -1), 1 / Math.sqrt(dh)); // B×h×T
    const rows = tf.add(tf.tile(tf.expandDims(s, 2), [1, 1, t, 1]), causalBias(t, t, 0));
    return mergeHeads(tf.matMul(tf.softmax(rows), splitHeads(v, numHeads)) as tf.Tensor4D);
  });
}
