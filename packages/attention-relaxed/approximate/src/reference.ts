/**
 * Plain-loop Float64 reference of `approximate` (MODEL.md §3.3), straight from the formula, no
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
  const q = rope(project(hn, weights['q_proj.weight']!, weights['q_proj.bias']!, d, d), h, dims.ropeTheta);
  const k = rope(project(hn, weights['k_proj.weight']!, weights['k_proj.bias']!, d, d), h, dims.ropeTheta);
  const v = project(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d, d);
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
  return project(mixed, weights['o_proj.weight']!, undefined, d, d);
}

function project(x: number[][], w: ArrayLike<number>, b: ArrayLike<number> | undefined, inDim: number, outDim: number): number[][] {
  return x.map((row) => {
    const out = new Array<number>(outDim).fill(0);
    for (let o = 0; o < outDim; o++) {
      let acc = b ? b[o]! : 0;
      for (let i = 0; i < inDim; i++) acc += row[i]! * w[i * outDim + o]!;
      out[o] = acc;
    }
    return out;
  });
}

/** RoPE, rotate-half, per head, position = row index. */
function rope(x: number[][], numHeads: number, theta: number): number[][] {
  const dh = x[0]!.length / numHeads;
  const half = dh / 2;
  return x.map((row, p) => {
    const out = row.slice();
    for (let head = 0; head < numHeads; head++) {
      for (let i = 0; i < half; i++) {
        const a = p * Math.pow(theta, (-2 * i) / dh);
        const x1 = row[head * dh + i]!;
        const x2 = row[head * dh + i + half]!;
        out[head * dh + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
        out[head * dh + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
    return out;
  });
}
