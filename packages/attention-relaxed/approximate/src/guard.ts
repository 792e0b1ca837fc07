import * as tf from '@tensorflow/tfjs-core';

/** Smallest magnitude a denominator of the paper kernel may have (docs/model.md §3.3). */
export const DENOMINATOR_FLOOR = 1e-6;

/**
 * `sign(den)·max(|den|, 1e-6)` with sign(0) = +1. The first-order term's denominator
 * `q_i·Σ_{j≤i} k_j` can be zero or negative and the paper states no guard; this keeps its sign and
 * bounds it away from zero. Written with where/maximum/minimum, which have gradients on every backend.
 */
export function guardDenominator(den: tf.Tensor): tf.Tensor {
  return tf.where(tf.greaterEqual(den, 0), tf.maximum(den, DENOMINATOR_FLOOR), tf.minimum(den, -DENOMINATOR_FLOOR));
}
