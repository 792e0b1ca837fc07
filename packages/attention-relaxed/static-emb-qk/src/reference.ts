/**
 * Plain-loop Float64 reference of `static-emb-qk` (MODEL.md §3.7), from the formula, no tfjs:
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
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  const dh = d / h;
  const n = hn.length;
  const en = staticEmbeddings.map((row) => {
    const ms = row.reduce((a, x) => a + x * x, 0) / d;
    const r = 1 / Math.sqrt(ms + dims.rmsNormEps);
    return row.map((x, c) => x * r * normWeight[c]!);
  });
  const q = rope(project(en, weights['q_proj.weight']!, weights['q_proj.bias']!, d), h, dims.ropeTheta);
  const k = rope(project(en, weights['k_proj.weight']!, weights['k_proj.bias']!, d), h, dims.ropeTheta);
  const v = project(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < h; head++) {
    const base = head * dh;
    for (let i = 0; i < n; i++) {
      const s = new Array<number>(i + 1);
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[i]![base + c]! * k[j]![base + c]!;
        s[j] = dot / Math.sqrt(dh);
      }
      const max = Math.max(...s);
      const ex = s.map((x) => Math.exp(x - max));
      const total = ex.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += (ex[j]! / total) * v[j]![base + c]!;
    }
  }
  return project(mixed, weights['o_proj.weight']!, undefined, d);
}

function project(x: number[][], w: ArrayLike<number>, b: ArrayLike<number> | undefined, outDim: number): number[][] {
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
