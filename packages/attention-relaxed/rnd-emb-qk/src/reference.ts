/**
 * Plain-loop Float64 reference of the fixed-stream mixers `rnd-emb-qk` / `fixed-seq-qk` at one
 * layer (MODEL.md §3.5–3.6), from the formula, no tfjs. Given this layer's normalised stream `Xn`
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
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  const dh = d / h;
  const n = hn.length;
  if (n > streamHn.length) throw new Error(`fixedMapsReference: input length ${n} exceeds the stream length ${streamHn.length}.`);
  const xs = streamHn.slice(0, n);
  const q = rope(project(xs, weights['q_proj.weight']!, weights['q_proj.bias']!, d), h, dims.ropeTheta);
  const k = rope(project(xs, weights['k_proj.weight']!, weights['k_proj.bias']!, d), h, dims.ropeTheta);
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
      const e = s.map((x) => Math.exp(x - max));
      const total = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += (e[j]! / total) * v[j]![base + c]!;
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
