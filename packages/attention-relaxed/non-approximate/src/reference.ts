import { referenceProject } from '@deconattn/core';

/**
 * Plain-loop Float64 reference of `non-approximate` (docs/model.md §3.4), from the formula, no tfjs:
 * `Q = SiLU(Hn W_Q + b_Q)`, `K = Hn W_K + b_K`, `V = Hn W_V + b_V`, no RoPE; per head
 * `s_j = q_j·k_j/√dh` and `o_i = Σ_{j≤i} e^{s_j} v_j / Σ_{j≤i} e^{s_j}`, heads concatenated, then
 * W_O. Each row is evaluated at its own prefix max (exp(s_j − max_{m≤i} s_m)), which is the same
 * number and keeps Float64 finite for scores of any size. One sequence, weights `[in, out]`.
 */
export function nonApproximateReference(
  hn: number[][],
  weights: Readonly<Record<string, ArrayLike<number>>>,
  dims: { hiddenSize: number; numHeads: number },
): number[][] {
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  const dh = d / h;
  const n = hn.length;
  const q = referenceProject(hn, weights['q_proj.weight']!, weights['q_proj.bias']!, d).map((row) => row.map((x) => x / (1 + Math.exp(-x))));
  const k = referenceProject(hn, weights['k_proj.weight']!, weights['k_proj.bias']!, d);
  const v = referenceProject(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < h; head++) {
    const base = head * dh;
    const s = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < dh; c++) dot += q[j]![base + c]! * k[j]![base + c]!;
      s[j] = dot / Math.sqrt(dh);
    }
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j <= i; j++) max = Math.max(max, s[j]!);
      let den = 0;
      for (let j = 0; j <= i; j++) den += Math.exp(s[j]! - max);
      for (let j = 0; j <= i; j++) {
        const a = Math.exp(s[j]! - max) / den;
        for (let c = 0; c < dh; c++) mixed[i]![base + c] += a * v[j]![base + c]!;
      }
    }
  }
  return referenceProject(mixed, weights['o_proj.weight']!, undefined, d);
}
