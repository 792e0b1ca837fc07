import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';
import { KERNEL, hasKernel } from '../kernels/names.js';

/** SwiGLU feed-forward without biases: `down(SiLU(gate(x)) ⊙ up(x))`. Weights held `[in, out]`. */
export function swiglu(x: tf.Tensor, gate: tf.Tensor, up: tf.Tensor, down: tf.Tensor): tf.Tensor {
  return tf.tidy(() => linear(swigluActivation(linear(x, gate), linear(x, up)), down));
}

/**
 * `SiLU(g) ⊙ u`: one kernel each way where the backend has KERNEL.swiglu; otherwise the plain
 * composition (`silu(g) · u`, its reference).
 */
export function swigluActivation(g: tf.Tensor, u: tf.Tensor): tf.Tensor {
  if (!hasKernel(KERNEL.swiglu) || g.dtype !== 'float32' || g.size !== u.size) return tf.mul(silu(g), u);
  const fused = tf.customGrad(((gi: tf.Tensor, ui: tf.Tensor, save: tf.GradSaveFunc) => {
    save([gi, ui]);
    return {
      value: tf.engine().runKernel(KERNEL.swiglu, { gate: gi, up: ui }, {}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [gs, us]: tf.Tensor[]) => tf.engine().runKernel(KERNEL.swigluGrad, { gate: gs!, up: us!, dy }, {}) as tf.Tensor[],
    };
  }) as any) as (g: tf.Tensor, u: tf.Tensor) => tf.Tensor;
  return fused(g, u);
}

/** SiLU(x) = x·σ(x), written with sigmoid so its gradient exists on every backend. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}
