import * as tf from '@tensorflow/tfjs-core';

/*
 * The running maxima of the online softmax only stabilise exp(): the output does not depend on
 * them mathematically, so their gradient is exactly zero and is cut here (as flash attention
 * does). This also avoids tfjs' Maximum gradient, which fails when its inputs broadcast.
 */

/** `max(x, last axis, keepDims)` with a zero gradient. */
export const rowMax = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.max(x, -1, true), gradFunc: (_dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.zerosLike(xs!) };
}) as any) as (x: tf.Tensor4D) => tf.Tensor4D;

/** Elementwise (broadcasting) `maximum(a, b)` with a zero gradient. */
export const pairMax = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return { value: tf.maximum(a, b), gradFunc: (_dy: tf.Tensor, [as, bs]: tf.Tensor[]) => [tf.zerosLike(as!), tf.zerosLike(bs!)] };
}) as any) as (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D;
