import { referenceProject, referenceRope } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of sliding-window attention, straight from the formula, no tfjs:
 * `Q,K,V = Hn W + b`, RoPE (rotate-half, θ^(-2c/dh)) on Q and K, per head
 * `s_ij = q_i·k_j/√dh` for `i − window < j ≤ i`, `A_i = softmax_j(s_ij)`, `o_i = Σ_j A_ij v_j`,
 * heads concatenated, then W_O. One sequence (`T×d`) from position 0; weights flat row-major,
 * linear ones `[in, out]`.
 */
export interface ReferenceDims {
  hiddenSize: number;
  numHeads: number;
  ropeTheta: number;
}

export function slidingWindowReference(hn: number[][], w: Readonly<Record<string, ArrayLike<number>>>, dims: ReferenceDims, window: number): number[][] {
  const d = dims.hiddenSize;
  const dh = d / dims.numHeads;
  const q = referenceRope(referenceProject(hn, w['q_proj.weight']!, w['q_proj.bias'], d), dims.numHeads, dims.ropeTheta);
  const k = referenceRope(referenceProject(hn, w['k_proj.weight']!, w['k_proj.bias'], d), dims.numHeads, dims.ropeTheta);
  const v = referenceProject(hn, w['v_proj.weight']!, w['v_proj.bias'], d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < dims.numHeads; head++) {
    const base = head * dh;
    for (let i = 0; i < hn.length; i++) {
      const first = Math.max(0, i - window + 1);
      const s: number[] = [];
      for (let j = first; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[i]![base + c]! * k[j]![base + c]!;
        s.push(dot / Math.sqrt(dh));
      }
      const top = Math.max(...s);
      const e = s.map((x) => Math.exp(x - top));
      const total = e.reduce((a, b) => a + b, 0);
      for (let j = first; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += (e[j - first]! / total) * v[j]![base + c]!;
    }
  }
  return referenceProject(mixed, w['o_proj.weight']!, undefined, d);
}
