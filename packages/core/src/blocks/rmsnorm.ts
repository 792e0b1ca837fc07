import * as tf from '@tensorflow/tfjs-core';

/** RMSNorm with a learned scale: `x / sqrt(mean(x²) + eps) * weight` over the last axis. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight);
  });
}
