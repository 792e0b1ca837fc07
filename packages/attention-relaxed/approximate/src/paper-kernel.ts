import * as tf from '@tensorflow/tfjs-core';
import { causalMask, type MixerState } from '@deconattn/core';
import { guardDenominator } from './guard.js';
import { rowSum } from './row-sum.js';
import type { ApproximateKernelForm, KernelResult } from './kernel-form.js';

/** The recurrent state per batch and head (the count is `state.length`). */
interface PaperState {
  sumV: tf.Tensor4D; // Σ v_j            B×h×1×dh
  sumK: tf.Tensor4D; // Σ k_j            B×h×dh×1
  sumK2: tf.Tensor4D; // Σ k_j⊙k_j       B×h×dh×1
  s1: tf.Tensor4D; // Σ k_j v_jᵀ         B×h×dh×dh
  s2: tf.Tensor4D; // Σ (k_j⊙k_j) v_jᵀ   B×h×dh×dh
}

const KEYS = ['sumV', 'sumK', 'sumK2', 's1', 's2'] as const;

/** `1/(past + i + 1)` for the chunk's rows: the causal mean's weights. `t×1`. */
function inverseCounts(past: number, t: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: t }, (_, i) => 1 / (past + i + 1)), [t, 1]);
}

const transposeLast = (x: tf.Tensor4D) => tf.transpose(x, [0, 1, 3, 2]) as tf.Tensor4D;

/**
 * Eq. 14–17 of the paper (docs/model.md §3.3), per head:
 *   o_i = Σ_{j≤i} v_j / i
 *       + (q_i · Σ k_j v_jᵀ) / (q_i · Σ k_j)
 *       + ((q_i⊙q_i/√2) · Σ (k_j⊙k_j/√2) v_jᵀ) / ((q_i⊙q_i/√2) · Σ (k_j⊙k_j/√2)).
 * Each denominator goes through `guardDenominator`. The chunk's own tokens are computed in the
 * parallel L×L form (`A1_ij = q_i·k_j / Σ_j' q_i·k_j'`, `A2` likewise with squares); tokens before
 * the chunk enter through the recurrent state, so one token at a time costs O(dh²) per head.
 * The map reported is `(A0 + A1 + A2)/3` (rows sum to 1, A1 may be negative), so the output is 3×
 * its `A V`; the logits are `q_i·k_j/√dh`.
 */
export class PaperKernel implements ApproximateKernelForm {
  readonly mapForm = { signed: true, outputScale: 3 };

  run(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, state: MixerState | undefined, want: { map: boolean; logits: boolean }): KernelResult {
    return state ? this.chunked(q, k, v, state, want) : this.parallel(q, k, v, want);
  }

  /**
   * A whole sequence (training, scoring): the three normalised maps are summed first and applied
   * to V in one product, `out = (A0 + A1 + A2) V`, instead of three products each way; A0 V is
   * V's running mean (a cumulative sum). 3 batched products forward and 6 backward instead of 5
   * and 9; the sum is the map reported anyway. Same numbers as `chunked` without a state (tested,
   * forward and gradients), up to float32 rounding order.
   */
  parallel(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, want: { map: boolean; logits: boolean }): KernelResult {
    const t = q.shape[2];
    const mask = causalMask(t, t, 0);
    const q2 = tf.mul(tf.square(q), 0.5) as tf.Tensor4D;
    const scores1 = tf.matMul(q, k, false, true) as tf.Tensor4D;
    const within1 = tf.mul(scores1, mask) as tf.Tensor4D;
    const within2 = tf.mul(tf.matMul(q2, tf.square(k), false, true), mask) as tf.Tensor4D;
    const a12 = tf.add(tf.div(within1, guardDenominator(rowSum(within1))), tf.div(within2, guardDenominator(rowSum(within2))));
    // Along the last axis: tfjs-core 4.22's Cumsum gradient mis-shapes any other axis.
    const mean = tf.mul(transposeLast(tf.cumsum(transposeLast(v), 3) as tf.Tensor4D), inverseCounts(0, t)) as tf.Tensor4D;
    const out = tf.add(tf.matMul(a12, v), mean) as tf.Tensor4D;
    const result: KernelResult = { out };
    if (want.map) result.map = tf.div(tf.add(a12, tf.mul(mask, inverseCounts(0, t))), 3) as tf.Tensor4D;
    if (want.logits) result.logits = tf.mul(scores1, 1 / Math.sqrt(q.shape[3])) as tf.Tensor4D;
    return result;
  }

  /**
   * A chunk of tokens, continuing `state` when given (decoding), as Eq. 14–17 read: each term's
   * numerator and denominator summed over the chunk and the state separately. Without a state
   * this is the plain reference of `parallel`.
   */
  chunked(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, state: MixerState | undefined, want: { map: boolean; logits: boolean }): KernelResult {
    const t = q.shape[2];
    const past = state?.length ?? 0;
    const prev = state && past > 0 ? (state.tensors as unknown as PaperState) : undefined;
    const mask = causalMask(t, t, 0);
    const invCounts = inverseCounts(past, t);
    // The (1/√2)² of the second-order features, applied once on the query side: it cancels in the
    // ratio but sets the scale at which the denominator guard engages, as the paper writes it.
    const q2 = tf.mul(tf.square(q), 0.5) as tf.Tensor4D;
    const k2 = tf.square(k) as tf.Tensor4D;

    const scores1 = tf.matMul(q, k, false, true) as tf.Tensor4D;
    const within1 = tf.mul(scores1, mask) as tf.Tensor4D;
    const within2 = tf.mul(tf.matMul(q2, k2, false, true), mask) as tf.Tensor4D;
    let num0: tf.Tensor4D = tf.matMul(mask, v) as tf.Tensor4D;
    let num1 = tf.matMul(within1, v) as tf.Tensor4D;
    let den1 = tf.sum(within1, -1, true) as tf.Tensor4D;
    let num2 = tf.matMul(within2, v) as tf.Tensor4D;
    let den2 = tf.sum(within2, -1, true) as tf.Tensor4D;
    if (prev) {
      num0 = tf.add(num0, prev.sumV) as tf.Tensor4D;
      num1 = tf.add(num1, tf.matMul(q, prev.s1)) as tf.Tensor4D;
      den1 = tf.add(den1, tf.matMul(q, prev.sumK)) as tf.Tensor4D;
      num2 = tf.add(num2, tf.matMul(q2, prev.s2)) as tf.Tensor4D;
      den2 = tf.add(den2, tf.matMul(q2, prev.sumK2)) as tf.Tensor4D;
    }
    const g1 = guardDenominator(den1);
    const g2 = guardDenominator(den2);
    // Plain adds, not addN: AddN's gradient clones dy through the chained-op handler, which
    // tfjs-core's plain ESM entry does not install.
    const out = tf.add(tf.add(tf.mul(num0, invCounts), tf.div(num1, g1)), tf.div(num2, g2)) as tf.Tensor4D;

    if (state) {
      const add: PaperState = {
        sumV: tf.sum(v, 2, true) as tf.Tensor4D,
        sumK: transposeLast(tf.sum(k, 2, true) as tf.Tensor4D),
        sumK2: transposeLast(tf.sum(k2, 2, true) as tf.Tensor4D),
        s1: tf.matMul(k, v, true, false) as tf.Tensor4D,
        s2: tf.matMul(k2, v, true, false) as tf.Tensor4D,
      };
      for (const key of KEYS) {
        const old = prev?.[key];
        state.tensors[key] = tf.keep(old ? tf.add(old, add[key]) : add[key]);
        old?.dispose();
      }
      return { out };
    }
    const result: KernelResult = { out };
    if (want.map) {
      const a0 = tf.mul(mask, invCounts);
      result.map = tf.div(tf.add(tf.add(tf.div(within1, g1), tf.div(within2, g2)), a0), 3) as tf.Tensor4D;
    }
    if (want.logits) result.logits = tf.mul(scores1, 1 / Math.sqrt(q.shape[3])) as tf.Tensor4D;
    return result;
  }
}
