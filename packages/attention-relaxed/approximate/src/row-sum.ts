import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.sum(x, -1, true)` whose gradient is tfjs-core's own, `dy · ones(x.shape)`, with the ones made
 * by the backend's OnesLike kernel: tfjs-core's Sum gradient fills them in a JavaScript loop and
 * uploads them, which for the paper kernel's two B×h×T×T maps per layer was ≈ 25 ms of a 440 ms
 * reference training step (wasm; tf.broadcastTo instead runs tfjs' slow Tile kernel, ≈ 48 ms).
 * Same values, forward and backward.
 */
export const rowSum = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.sum(x, -1, true),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.onesLike(saved[0]!)),
  };
}) as any) as <T extends tf.Tensor>(x: T) => T;
