import * as tf from '@tensorflow/tfjs-core';

/** Large negative added to masked scores; finite so that fully masked rows never make NaN. */
export const MASK_VALUE = -1e9;

/**
 * Causal mask `[Tq, Tk]` with 1 where query i (at absolute position offset+i) may see key j:
 * j ≤ offset + i. Keys cover positions 0 … Tk-1.
 */
export function causalMask(tq: number, tk: number, offset = 0): tf.Tensor2D {
  const m = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk && j <= offset + i; j++) m[i * tk + j] = 1;
  return tf.tensor2d(m, [tq, tk]);
}

/** Additive form of the causal mask: 0 where visible, MASK_VALUE elsewhere. */
export function causalBias(tq: number, tk: number, offset = 0): tf.Tensor2D {
  const m = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) m[i * tk + j] = j <= offset + i ? 0 : MASK_VALUE;
  return tf.tensor2d(m, [tq, tk]);
}
