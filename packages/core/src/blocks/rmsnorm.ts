import * as tf from '@tensorflow/tfjs-core';
import { KERNEL, hasKernel } from '../kernels/names.js';

/**
 * RMSNorm with a learned scale: `x / sqrt(mean(x²) + eps) * weight` over the last axis. One kernel
 * each way where the backend has KERNEL.rmsNorm; otherwise `rmsNormReference`.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  if (!hasKernel(KERNEL.rmsNorm) || x.dtype !== 'float32' || weight.rank !== 1 || weight.shape[0] !== x.shape[x.rank - 1]) return rmsNormReference(x, weight, eps);
  const fused = tf.customGrad(((xi: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, rstd] = tf.engine().runKernel(KERNEL.rmsNorm, { x: xi, weight: w }, { eps }) as tf.Tensor[];
    save([xi, w, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, [xs, ws, rs]: tf.Tensor[]) => tf.engine().runKernel(KERNEL.rmsNormGrad, { x: xs!, weight: ws!, rstd: rs!, dy }, {}) as tf.Tensor[],
    };
  }) as any) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
  return fused(x, weight);
}

/** The plain composition (and the fused kernel's reference). */
export function rmsNormReference(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight);
  });
}
