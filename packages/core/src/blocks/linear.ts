import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { KERNEL, hasKernel } from '../kernels/names.js';

/**
 * `y = x W (+ b)` for `x` of shape `[..., in]` and `W` held `[in, out]`.
 *
 * Forward and backward use only plain, non-transposed 2-D matMuls with explicit transposes:
 * on the wasm backend a transposed or batched matMul runs ≈ 2 GFLOP/s against ≈ 30 for the plain
 * 2-D form, and tfjs' own MatMul gradient uses transposed matMuls. Measured 6.8× faster training.
 * A backend with KERNEL.matMul (a product that reads transposed operands in place) gets the
 * transposed forms directly, without the Transpose kernels.
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inDim = w.shape[0] as number;
  const outDim = w.shape[1] as number;
  if (x.shape[x.shape.length - 1] !== inDim) {
    throw new ShapeError(`linear: input last dimension is ${x.shape[x.shape.length - 1]}, but the weight expects ${inDim} (weight [${w.shape.join(', ')}]).`);
  }
  const lead = x.shape.slice(0, -1) as number[];
  const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  const y = b ? linearBias(x2, w as tf.Tensor2D, b as tf.Tensor1D) : linearNoBias(x2, w as tf.Tensor2D);
  return tf.reshape(y, [...lead, outDim]);
}

/**
 * `y = x Wᵀ` for `x` of shape `[..., in]` and `W` held `[out, in]`: the tied output layer, which
 * multiplies by the embedding table as it is stored. With KERNEL.matMul the table is read in
 * place, forward and backward (its gradient `dyᵀ·x` comes out `[out, in]` directly), where
 * `linear(x, transpose(W))` costs two Transpose kernels per step (2.2 ms at the reference
 * config); elsewhere that is exactly what runs.
 */
export function linearTransposed(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const inDim = w.shape[1] as number;
  const outDim = w.shape[0] as number;
  if (x.shape[x.shape.length - 1] !== inDim) {
    throw new ShapeError(`linearTransposed: input last dimension is ${x.shape[x.shape.length - 1]}, but the weight [out, in] expects ${inDim} (weight [${w.shape.join(', ')}]).`);
  }
  if (!hasKernel(KERNEL.matMul)) return linear(x, tf.transpose(w));
  const lead = x.shape.slice(0, -1) as number[];
  const y = linearNoBiasT(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D);
  return tf.reshape(y, [...lead, outDim]);
}

const linearNoBiasT = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: matMulBT(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      return [tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D), matMulAT(dy, xs!)];
    },
  };
}) as any) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

const linearNoBias = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      return [matMulBT(dy, ws!), matMulAT(xs!, dy)];
    },
  };
}) as any) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

const linearBias = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      return [matMulBT(dy, ws!), matMulAT(xs!, dy), hasKernel(KERNEL.sumRows) ? (tf.engine().runKernel(KERNEL.sumRows, { x: dy }, {}) as tf.Tensor) : tf.sum(dy, 0)];
    },
  };
}) as any) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** `a · bᵀ` for 2-D a, b. */
function matMulBT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (hasKernel(KERNEL.matMul)) return tf.engine().runKernel(KERNEL.matMul, { a, b }, { transposeA: false, transposeB: true }) as tf.Tensor;
  return tf.matMul(a as tf.Tensor2D, tf.transpose(b) as tf.Tensor2D);
}

/** `aᵀ · b` for 2-D a, b. */
function matMulAT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (hasKernel(KERNEL.matMul)) return tf.engine().runKernel(KERNEL.matMul, { a, b }, { transposeA: true, transposeB: false }) as tf.Tensor;
  return tf.matMul(tf.transpose(a) as tf.Tensor2D, b as tf.Tensor2D);
}
