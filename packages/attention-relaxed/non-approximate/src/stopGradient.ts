import * as tf from '@tensorflow/tfjs-core';

/**
 * Identity whose gradient is zero (tfjs-core has no `stopGradient`). Used for the running max of
 * the online softmax: the output does not depend on it mathematically, so cutting it is exact.
 */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as any) as <T extends tf.Tensor>(x: T) => T;
