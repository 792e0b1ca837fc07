import * as tf from '@tensorflow/tfjs-core';
import { causalMask, type MixerState } from '@deconattn/core';
import type { ApproximateKernelForm, KernelResult } from './kernel-form.js';

/**
 * Based's form (and the retired `diag`, kept for old checkpoints): the softmax's `exp(s)` replaced
 * by the Taylor polynomial `T(s)`, rows normalised by their sum. `based`: `T = 1 + s + s²/2` with
 * `s = q·k/√dh`. `diag`: `T = 1 + s + Σ_c (q_c k_c)²/2`; its square term is ≥ s²/2
 * (Cauchy–Schwarz), so both have `T ≥ 1/2` and a row-stochastic map. Training uses the parallel
 * L×L form; decoding the feature-map form `o_i = φ(q_i)ᵀS / φ(q_i)·z` with `S = Σ φ(k_j) v_jᵀ`,
 * `z = Σ φ(k_j)`. These are the operations of release 0.1.0, unchanged, so its checkpoints score
 * as they did.
 */
export class BasedKernel implements ApproximateKernelForm {
  constructor(readonly variant: 'based' | 'diag') {}

  run(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, state: MixerState | undefined, want: { map: boolean; logits: boolean }): KernelResult {
    const dh = q.shape[3];
    const t = q.shape[2];
    // The chunk's own causal block, in the parallel Taylor form: exact for every chunk size.
    const { kernel, logits } = this.taylor(q, k, dh);
    const within = tf.mul(kernel, causalMask(t, t, 0));
    let num = tf.matMul(within, v) as tf.Tensor4D;
    let den = tf.sum(within, -1, true) as tf.Tensor4D;
    if (state) {
      // Tokens before this chunk enter through the recurrent state (φ(q)ᵀS, φ(q)·z).
      const prevS = state.tensors.S as tf.Tensor4D | undefined;
      const prevZ = state.tensors.z as tf.Tensor4D | undefined;
      const phiK = this.featureMap(k, dh);
      if (prevS && prevZ) {
        const phiQ = this.featureMap(q, dh);
        num = tf.add(num, tf.matMul(phiQ, prevS)) as tf.Tensor4D;
        den = tf.add(den, tf.matMul(phiQ, prevZ)) as tf.Tensor4D;
      }
      const addS = tf.matMul(phiK, v, true, false) as tf.Tensor4D; // B×h×F×dh
      const addZ = tf.transpose(tf.sum(phiK, 2, true), [0, 1, 3, 2]) as tf.Tensor4D; // B×h×F×1
      state.tensors.S = tf.keep(prevS ? tf.add(prevS, addS) : addS);
      state.tensors.z = tf.keep(prevZ ? tf.add(prevZ, addZ) : addZ);
      prevS?.dispose();
      prevZ?.dispose();
      return { out: tf.div(num, den) as tf.Tensor4D };
    }
    return {
      out: tf.div(num, den) as tf.Tensor4D,
      // The recurrent form keeps no keys, so maps are captured in the parallel form only.
      map: want.map ? (tf.div(within, den) as tf.Tensor4D) : undefined,
      logits: want.logits ? logits : undefined,
    };
  }

  /** `T(s)` for every query/key pair of the chunk (not yet masked) and the scores `s = q·k/√dh`. */
  private taylor(q: tf.Tensor4D, k: tf.Tensor4D, dh: number): { kernel: tf.Tensor4D; logits: tf.Tensor4D } {
    const s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)) as tf.Tensor4D;
    const second = this.variant === 'based' ? tf.mul(tf.square(s), 0.5) : tf.mul(tf.matMul(tf.square(q), tf.square(k), false, true), 0.5);
    return { kernel: tf.add(tf.add(s, 1), second) as tf.Tensor4D, logits: s };
  }

  /**
   * φ(x) with φ(q)·φ(k) = T: `[1, x/dh^¼, vec(x xᵀ)/(√2·√dh)]` (based, 1 + dh + dh² features)
   * or `[1, x/dh^¼, x⊙x/√2]` (diag, 1 + 2dh features). `x` is `B×h×T×dh`.
   */
  featureMap(x: tf.Tensor4D, dh: number): tf.Tensor4D {
    const [b, h, t] = x.shape;
    const one = tf.ones([b, h, t, 1]);
    const lin = tf.mul(x, 1 / Math.pow(dh, 0.25));
    const sq =
      this.variant === 'based'
        ? tf.mul(tf.reshape(tf.mul(tf.expandDims(x, 4), tf.expandDims(x, 3)), [b, h, t, dh * dh]), 1 / (Math.SQRT2 * Math.sqrt(dh)))
        : tf.mul(tf.square(x), Math.SQRT1_2);
    return tf.concat([one, lin, sq], 3) as tf.Tensor4D;
  }
}
