import { referenceProject, referenceRope } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of `approximate` (docs/model.md §3.3), straight from the formula, no
 * tfjs: `Q,K,V = Hn W + b`, RoPE (rotate-half) on Q and K, per head `s_ij = q_i·k_j/√dh`,
 * `T_ij = 1 + s_ij + s_ij²/2` (full) or `1 + s_ij + Σ_c (q_ic k_jc)²/2` (diag) for j ≤ i,
 * `A_ij = T_ij / Σ_j T_ij`, `o_i = Σ_j A_ij v_j`, heads concatenated, then W_O.
 * One sequence (`T×d`) starting at position 0; weights flat row-major, linear ones `[in, out]`.
 */
export interface ApproximateReferenceDims {
  hiddenSize: number;
  numHeads: number;
  ropeTheta: number;
}

export function approximateReference(
  hn: number[][],
  weights: Readonly<Record<string, ArrayLike<number>>>,
  dims: ApproximateReferenceDims,
  kernel: 'full' | 'diag' = 'full',
): number[][] {
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  const dh = d / h;
  const n = hn.length;
  const q = referenceRope(referenceProject(hn, weights['q_proj.weight']!, weights['q_proj.bias']!, d), h, dims.ropeTheta);
  const k = referenceRope(referenceProject(hn, weights['k_proj.weight']!, weights['k_proj.bias']!, d), h, dims.ropeTheta);
  const v = referenceProject(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < h; head++) {
    const base = head * dh;
    for (let i = 0; i < n; i++) {
      const t = new Array<number>(i + 1);
      let total = 0;
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        let sq = 0;
        for (let c = 0; c < dh; c++) {
          const p = q[i]![base + c]! * k[j]![base + c]!;
          dot += p;
          sq += p * p;
        }
        const s = dot / Math.sqrt(dh);
        t[j] = kernel === 'full' ? 1 + s + (s * s) / 2 : 1 + s + sq / 2;
        total += t[j]!;
      }
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += (t[j]! / total) * v[j]![base + c]!;
    }
  }
  return referenceProject(mixed, weights['o_proj.weight']!, undefined, d);
}
