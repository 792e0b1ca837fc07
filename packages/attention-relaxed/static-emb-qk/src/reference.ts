import { referenceCausalAttention, referenceRmsNorm } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of `static-emb-qk` (docs/model.md §3.7), from the formula, no tfjs:
 * `ê = RMSNorm_attn(e)` (`e / √(mean(e²) + eps) · g`), `Q,K = ê W + b` with RoPE, `V = Hn W_V + b_V`,
 * `A = softmax_row(causal(QKᵀ/√dh))`, per head `A V`, heads concatenated, then W_O.
 * One sequence (`n×d`); `e` are the static embeddings of the same tokens; `normWeight` is the
 * layer's attention-norm scale g. Weights flat row-major, linear ones `[in, out]`.
 */
export function staticEmbQkReference(
  hn: number[][],
  staticEmbeddings: number[][],
  normWeight: ArrayLike<number>,
  weights: Readonly<Record<string, ArrayLike<number>>>,
  dims: { hiddenSize: number; numHeads: number; ropeTheta: number; rmsNormEps: number },
): number[][] {
  return referenceCausalAttention(referenceRmsNorm(staticEmbeddings, normWeight, dims.rmsNormEps), hn, weights, dims);
}
