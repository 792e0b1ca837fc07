/**
 * Plain-loop Float64 building blocks for reference implementations (no tfjs): the
 * flash-linear-attention habit of a slow, obviously-correct version next to every fast mixer.
 * Matrices are `number[][]` rows; weights flat row-major, linear ones `[in, out]`.
 */
type Flat = ArrayLike<number>;

/** `x W + b` for rows of `x`, W held `[in, out]` with `out = outDim`. */
export function referenceProject(x: number[][], w: Flat, b: Flat | undefined, outDim: number): number[][] {
  return x.map((row) => {
    const out = new Array<number>(outDim).fill(0);
    for (let o = 0; o < outDim; o++) {
      let acc = b ? b[o]! : 0;
      for (let i = 0; i < row.length; i++) acc += row[i]! * w[i * outDim + o]!;
      out[o] = acc;
    }
    return out;
  });
}

/** RoPE, rotate-half, on every head of `x` (heads side by side), position = row index + offset. */
export function referenceRope(x: number[][], numHeads: number, theta: number, offset = 0): number[][] {
  const dh = x[0]!.length / numHeads;
  const half = dh / 2;
  return x.map((row, p) => {
    const out = row.slice();
    for (let head = 0; head < numHeads; head++) {
      for (let i = 0; i < half; i++) {
        const a = (p + offset) * Math.pow(theta, (-2 * i) / dh);
        const x1 = row[head * dh + i]!;
        const x2 = row[head * dh + i + half]!;
        out[head * dh + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
        out[head * dh + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
    return out;
  });
}

/** RMSNorm with scale g: `x / √(mean(x²) + eps) · g` per row. */
export function referenceRmsNorm(x: number[][], g: Flat, eps: number): number[][] {
  return x.map((row) => {
    const r = 1 / Math.sqrt(row.reduce((a, v) => a + v * v, 0) / row.length + eps);
    return row.map((v, c) => v * r * g[c]!);
  });
}

/**
 * Causal softmax attention with queries and keys from `qkSource` (RoPE applied) and values from
 * `hn`: `A = softmax_row(causal(QKᵀ/√dh))`, per head `A V`, heads concatenated, then W_O. With
 * `qkSource = hn` this is standard attention (docs/model.md §3.1).
 */
export function referenceCausalAttention(
  qkSource: number[][],
  hn: number[][],
  weights: Readonly<Record<string, Flat>>,
  dims: { hiddenSize: number; numHeads: number; ropeTheta: number },
): number[][] {
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  const dh = d / h;
  const q = referenceRope(referenceProject(qkSource, weights['q_proj.weight']!, weights['q_proj.bias']!, d), h, dims.ropeTheta);
  const k = referenceRope(referenceProject(qkSource, weights['k_proj.weight']!, weights['k_proj.bias']!, d), h, dims.ropeTheta);
  const v = referenceProject(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < h; head++) {
    const base = head * dh;
    for (let i = 0; i < hn.length; i++) {
      const s = new Array<number>(i + 1);
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[i]![base + c]! * k[j]![base + c]!;
        s[j] = dot / Math.sqrt(dh);
      }
      const max = Math.max(...s);
      const e = s.map((x) => Math.exp(x - max));
      const total = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += (e[j]! / total) * v[j]![base + c]!;
    }
  }
  return referenceProject(mixed, weights['o_proj.weight']!, undefined, d);
}
