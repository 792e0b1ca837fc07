import * as tf from '@tensorflow/tfjs-core';

/**
 * Fused kernels deconattn's ops use when the active backend registers them (tfjs' kernel
 * registry, so a backend package plugs them in without touching the ops). @deconattn/kernels-wasm
 * registers them for `wasm`; elsewhere every op runs its plain tfjs composition, which stays the
 * reference the fused kernels are tested against.
 */
export const KERNEL = {
  /** BatchMatMul (same inputs and attrs) that reads transposed operands in place at full speed. */
  matMul: 'DeconattnMatMul',
  /**
   * Causal softmax attention from [B,T,H·dh] projections with RoPE (q, k may have batch 1: one
   * map per head for the whole batch); outputs [out, logsumexp].
   */
  causalAttention: 'DeconattnCausalAttention',
  /** Its gradient: inputs q, k, v, out, lse, dy; outputs [dq, dk, dv]. */
  causalAttentionGrad: 'DeconattnCausalAttentionGrad',
  /** RoPE over the last two axes [..., T, dh]: input x; attrs positionOffset, ropeTheta, inverse (the gradient). */
  rope: 'DeconattnRope',
  /**
   * Running softmax-weighted mean (the non-approximate mixer): per head s_t = q_t·k_t·scale,
   * o_i = Σ_{j≤i} e^{s_j} v_j / Σ_{j≤i} e^{s_j}; inputs q, k, v [B,T,H·dh]; outputs [out, log-normaliser].
   */
  runningMean: 'DeconattnRunningMean',
  /** Inputs q, k, v, out, lz, dy; outputs [dq, dk, dv]. */
  runningMeanGrad: 'DeconattnRunningMeanGrad',
  /** RMSNorm over the last axis: inputs x, weight; attr eps; outputs [y, rstd per row]. */
  rmsNorm: 'DeconattnRmsNorm',
  /** Inputs x, weight, rstd, dy; outputs [dx, dweight]. */
  rmsNormGrad: 'DeconattnRmsNormGrad',
  /** SiLU(gate) ⊙ up: inputs gate, up; output h. */
  swiglu: 'DeconattnSwiGlu',
  /** Inputs gate, up, dy; outputs [dgate, dup]. */
  swigluGrad: 'DeconattnSwiGluGrad',
  /** Mean cross-entropy: inputs logits [N×V], targets int32 [N]; outputs [loss, lse per row]. */
  crossEntropy: 'DeconattnCrossEntropy',
  /** Inputs logits, targets, lse, dy (scalar); output dlogits. */
  crossEntropyGrad: 'DeconattnCrossEntropyGrad',
  /** One AdamW step for one tensor: inputs w, g, m, v; attrs beta1, beta2, bc1, bc2, eps, lr, decay; outputs [w, m, v]. */
  adamW: 'DeconattnAdamW',
  /** Σ x² over any number of float32 inputs: a scalar. */
  sumSquares: 'DeconattnSumSquares',
  /** Rows of a table: inputs table [V×d], ids int32 [N]; output [N×d] (tfjs' wasm Gather takes ≈ 30 ms for 512 rows). */
  gatherRows: 'DeconattnGatherRows',
  /** Its gradient: inputs values [N×d], ids [N]; attr rows V; output [V×d], repeated ids summed. */
  scatterAddRows: 'DeconattnScatterAddRows',
  /** Column sums of x [N×d]: [d] (a bias gradient; tfjs' wasm Sum over axis 0 transposes first). */
  sumRows: 'DeconattnSumRows',
} as const;

/** Whether the active backend has fused kernel `name` (a KERNEL value). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
