import * as tf from '@tensorflow/tfjs-core';
import { KERNEL, hasKernel } from '../kernels/names.js';

/**
 * Embedding lookup `table[ids]` whose gradient works on every backend. tfjs' gradient of
 * `gather` is `UnsortedSegmentSum`, which tfjs-backend-wasm 4.22 lacks; there the gradient is
 * computed with `scatterND`, which sums rows of repeated ids. Where the backend has
 * KERNEL.gatherRows (and its scatter-add gradient), one kernel each way.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const flat = tf.cast(tf.reshape(ids, [-1]), 'int32') as tf.Tensor1D;
  const rows = hasKernel(KERNEL.gatherRows) && table.dtype === 'float32' ? fusedGatherRows(table, flat) : gatherRows(table, flat);
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}

const gatherRows = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const [vocab, dim] = table.shape;
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [idx] = saved;
      const backend = tf.getBackend();
      const dTable = tf.getKernel('UnsortedSegmentSum', backend)
        ? tf.unsortedSegmentSum(dy, idx as tf.Tensor1D, vocab)
        : tf.scatterND(tf.reshape(idx, [-1, 1]), dy, [vocab, dim]);
      return [dTable, tf.zerosLike(idx)];
    },
  };
}) as any) as (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;

const fusedGatherRows = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const rows = table.shape[0]!;
  return {
    value: tf.engine().runKernel(KERNEL.gatherRows, { table, ids }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [idx]: tf.Tensor[]) => [tf.engine().runKernel(KERNEL.scatterAddRows, { values: dy, ids: idx! }, { rows }) as tf.Tensor, tf.zerosLike(idx!)],
  };
}) as any) as (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;
