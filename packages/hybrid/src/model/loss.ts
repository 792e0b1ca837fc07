import * as tf from '@tensorflow/tfjs-core';
import { KERNEL, hasKernel } from '@deconattn/core';

/**
 * Mean token cross-entropy from logits `N×V` and int32 targets `N`.
 * Written with a custom gradient, `(softmax − onehot)/N`, because tfjs' gradient of the gather
 * that picks the target logit needs `UnsortedSegmentSum`, which the wasm backend lacks.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  if (hasKernel(KERNEL.crossEntropy) && logits.dtype === 'float32' && targets.dtype === 'int32') return fusedCe(logits, targets);
  return ce(logits, targets);
}

/** One kernel each way (KERNEL.crossEntropy): the same loss and gradient as `ce` below. */
const fusedCe = tf.customGrad(((logits: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [loss, lse] = tf.engine().runKernel(KERNEL.crossEntropy, { logits, targets }, {}) as tf.Tensor[];
  save([logits, targets, lse!]);
  return {
    value: loss!,
    gradFunc: (dy: tf.Tensor, [lg, tg, l]: tf.Tensor[]) => [tf.engine().runKernel(KERNEL.crossEntropyGrad, { logits: lg!, targets: tg!, lse: l!, dy }, {}) as tf.Tensor, tf.zerosLike(tg!)],
  };
}) as any) as (logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Scalar;

const ce = tf.customGrad(((logits: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [n, v] = logits.shape;
  const lse = tf.logSumExp(logits, 1);
  const picked = pickTargets(logits, targets);
  save([logits, targets, lse]);
  return {
    value: tf.mean(tf.sub(lse, picked)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [lg, tg, l] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const probs = tf.exp(tf.sub(lg, tf.expandDims(l, 1)));
      // int32 one-hot then a cast: tfjs-backend-wasm 4.22 fills a float32 oneHot with int bits (≈1e-45).
      const onehot = tf.cast(tf.oneHot(tf.cast(tg, 'int32') as tf.Tensor1D, v!), 'float32');
      const grad = tf.mul(tf.sub(probs, onehot), tf.div(dy, n!));
      return [grad, tf.zerosLike(tg)];
    },
  };
}) as any) as (logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Scalar;

/** `logits[i, targets[i]]` for every row (forward only: a gather on the flattened matrix). */
export function pickTargets(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const rowStart = tf.mul(tf.range(0, n!, 1, 'int32'), tf.scalar(v!, 'int32'));
    const flatIdx = tf.add(rowStart, tf.cast(targets, 'int32'));
    return tf.gather(tf.reshape(logits, [-1]), flatIdx) as tf.Tensor1D;
  });
}

/** Per-token log p(target) and whether the target is the argmax, for scoring (no gradient). */
export function targetLogProbs(logits: tf.Tensor2D, targets: tf.Tensor1D): { logprobs: tf.Tensor1D; greedy: tf.Tensor1D } {
  return tf.tidy(() => {
    const lse = tf.logSumExp(logits, 1);
    const logprobs = tf.sub(pickTargets(logits, targets), lse) as tf.Tensor1D;
    const greedy = tf.equal(tf.argMax(logits, 1), tf.cast(targets, 'int32')) as tf.Tensor1D;
    return { logprobs, greedy };
  });
}
