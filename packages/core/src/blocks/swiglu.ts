import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';

/** SwiGLU feed-forward without biases: `down(SiLU(gate(x)) ⊙ up(x))`. Weights held `[in, out]`. */
export function swiglu(x: tf.Tensor, gate: tf.Tensor, up: tf.Tensor, down: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const g = linear(x, gate);
    const u = linear(x, up);
    return linear(tf.mul(silu(g), u), down);
  });
}

/** SiLU(x) = x·σ(x), written with sigmoid so its gradient exists on every backend. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}
