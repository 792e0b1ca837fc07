import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { KERNEL, hasKernel } from '../kernels/names.js';

/**
 * Rotary position embedding over the full head dimension, rotate-half convention (as Qwen2 /
 * GPT-NeoX): `x·cos + rotate_half(x)·sin`, frequencies `θ^(-2i/dh)` for i < dh/2.
 */
export function ropeAngles(positions: number, offset: number, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const invFreq = 1 / Math.pow(theta, (2 * i) / headDim);
      const a = (p + offset) * invFreq;
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Apply RoPE to `x` of shape `B×h×T×dh` for positions `offset … offset+T-1`: one kernel each way
 * where the backend has KERNEL.rope, otherwise `applyRopeReference`.
 */
export function applyRope(x: tf.Tensor4D, offset: number, theta: number): tf.Tensor4D {
  const dh = x.shape[3];
  if (dh % 2 !== 0) throw new ShapeError(`RoPE needs an even head dimension, got ${dh}.`);
  if (!hasKernel(KERNEL.rope) || x.dtype !== 'float32') return applyRopeReference(x, offset, theta);
  const attrs = { positionOffset: offset, ropeTheta: theta };
  const fused = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.engine().runKernel(KERNEL.rope, { x: xi }, { ...attrs, inverse: false }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(KERNEL.rope, { x: dy }, { ...attrs, inverse: true }) as tf.Tensor,
  })) as any) as (x: tf.Tensor4D) => tf.Tensor4D;
  return fused(x);
}

/** The plain composition: slices, a concat and two products. */
export function applyRopeReference(x: tf.Tensor4D, offset: number, theta: number): tf.Tensor4D {
  const [, , T, dh] = x.shape;
  return tf.tidy(() => {
    const { cos, sin } = ropeAngles(T, offset, dh, theta);
    const c = tf.tensor4d(cos, [1, 1, T, dh]);
    const s = tf.tensor4d(sin, [1, 1, T, dh]);
    const half = dh / 2;
    const x1 = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, half]);
    const x2 = tf.slice(x, [0, 0, 0, half], [-1, -1, -1, half]);
    const rotated = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, c), tf.mul(rotated, s)) as tf.Tensor4D;
  });
}
