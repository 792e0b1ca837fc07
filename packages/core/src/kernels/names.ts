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
  /** Causal softmax attention from [B,T,H·dh] projections with RoPE; outputs [out, logsumexp]. */
  causalAttention: 'DeconattnCausalAttention',
  /** Its gradient: inputs q, k, v, out, lse, dy; outputs [dq, dk, dv]. */
  causalAttentionGrad: 'DeconattnCausalAttentionGrad',
} as const;

/** Whether the active backend has fused kernel `name` (a KERNEL value). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
