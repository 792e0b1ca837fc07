import * as tf from '@tensorflow/tfjs-core';
import { MASK_VALUE } from '@deconattn/core';

/**
 * Additive sliding-window causal mask `[Tq, Tk]`: 0 where query i (at position qStart + i) may
 * see key j (at position kStart + j), i.e. `p − window < kp ≤ p`; MASK_VALUE elsewhere. Key
 * positions start at `kStart` because a decoding cache holds only the most recent keys.
 */
export function windowBias(tq: number, tk: number, qStart: number, kStart: number, window: number): tf.Tensor2D {
  const m = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) {
    const p = qStart + i;
    for (let j = 0; j < tk; j++) {
      const kp = kStart + j;
      m[i * tk + j] = kp <= p && kp > p - window ? 0 : MASK_VALUE;
    }
  }
  return tf.tensor2d(m, [tq, tk]);
}
