import { referenceCausalAttention } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of the fixed-stream mixers `rnd-emb-qk` / `fixed-seq-qk` at one
 * layer (docs/model.md §3.5–3.6), from the formula, no tfjs. Given this layer's normalised stream `Xn`
 * (`Lmax×d`) and the batch's `Hn` (one sequence, `n×d`, n ≤ Lmax): `Q,K = Xn W + b` with RoPE,
 * `A = softmax_row(causal(QKᵀ/√dh))` over the first n positions, `o = A (Hn W_V + b_V)` per head,
 * heads concatenated, then W_O. Weights flat row-major, linear ones `[in, out]`.
 */
export function fixedMapsReference(
  hn: number[][],
  streamHn: number[][],
  weights: Readonly<Record<string, ArrayLike<number>>>,
  dims: { hiddenSize: number; numHeads: number; ropeTheta: number },
): number[][] {
  const n = hn.length;
  if (n > streamHn.length) throw new Error(`fixedMapsReference: input length ${n} exceeds the stream length ${streamHn.length}.`);
  return referenceCausalAttention(streamHn.slice(0, n), hn, weights, dims);
}
