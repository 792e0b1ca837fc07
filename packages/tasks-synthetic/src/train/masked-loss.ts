import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean cross-entropy over the scored rows only: `Σ_i w_i (logsumexp(z_i) − z_i[t_i]) / Σ_i w_i`
 * for logits `N×V`, int32 targets `N` and 0/1 weights `N`. A row with weight 0 contributes
 * neither loss nor gradient, so positions whose next token is random by construction (fillers,
 * first appearances) do not train the model. Written with a custom gradient,
 * `w_i (softmax_i − onehot_i) / Σ w`, for the same reason as hybrid's `crossEntropy`: the
 * gradient of a gather needs `UnsortedSegmentSum`, which the wasm backend lacks.
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return masked(logits, targets, weights);
}

const masked = tf.customGrad(((logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const v = logits.shape[1]!;
  const lse = tf.logSumExp(logits, 1);
  const onehot = tf.cast(tf.oneHot(tf.cast(targets, 'int32') as tf.Tensor1D, v), 'float32');
  const picked = tf.sum(tf.mul(logits, onehot), 1);
  // max(Σw, 1): a batch with no scored position has loss 0 and no gradient instead of 0/0.
  const total = tf.maximum(tf.sum(weights), tf.scalar(1));
  save([logits, targets, weights, lse, total]);
  return {
    value: tf.div(tf.sum(tf.mul(tf.sub(lse, picked), weights)), total),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [lg, tg, w, l, tot] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Scalar];
      const probs = tf.exp(tf.sub(lg, tf.expandDims(l, 1)));
      // int32 one-hot then a cast: tfjs-backend-wasm 4.22 fills a float32 oneHot with int bits.
      const oh = tf.cast(tf.oneHot(tf.cast(tg, 'int32') as tf.Tensor1D, lg.shape[1]!), 'float32');
      const scale = tf.expandDims(tf.div(tf.mul(w, dy), tot), 1);
      return [tf.mul(tf.sub(probs, oh), scale), tf.zerosLike(tg), tf.zerosLike(w)];
    },
  };
}) as any) as (logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D) => tf.Scalar;
