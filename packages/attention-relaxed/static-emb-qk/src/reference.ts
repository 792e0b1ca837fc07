import { referenceCausalAttention, referenceRmsNorm } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of `static-emb-qk` (docs/model.md §3.7), from the formula, no tfjs:
 * `Q,K = ê W + b` with RoPE, where `ê = e` (`norm: 'none'`) or `ê = RMSNorm_attn(e)`
 * (`e / √(mean(e²) + eps) · g`, `norm: 'attention'`); `V = Hn W_V + b_V`,
 * `A = softmax_row(causal(QKᵀ/√dh))`, per head `A V`, heads concatenated, then W_O.
 * One sequence (`n×d`); `e` are the static embeddings of the same tokens; `g` is the layer's
 * attention-norm scale. Weights flat row-major, linear ones `[in, out]`.
 */
export function staticEmbQkReference(
  hn: number[][],
  staticEmbeddings: number[][],
  weights: Readonly<Record<string, ArrayLike<number>>>,
  dims: { hiddenSize: number; numHeads: number; ropeTheta: number; rmsNormEps: number },
  norm: { norm: 'none' } | { norm: 'attention'; normWeight: ArrayLike<number> } = { norm: 'none' },
): number[][] {
  const source = norm.norm === 'attention' ? referenceRmsNorm(staticEmbeddings, norm.normWeight, dims.rmsNormEps) : staticEmbeddings;
  return referenceCausalAttention(source, hn, weights, dims);
}
