/**
 * The formula of the mixer in plain loops and Float64, with no tfjs and nothing shared with
 * src/: what the tfjs implementation must compute. One sequence `hn` (T×d) from position 0;
 * weights as flat row-major arrays, linear ones `[in, out]` (what `flatWeights` gives).
 *
 *   v_j = hn_j W_V + b_V;  head h (1-based) of H: λ_h = scale · 2^(−8h/H)
 *   o_i = Σ_{j≤i} e^{−λ_h (i−j)} v_j / Σ_{j≤i} e^{−λ_h (i−j)}   (per head, on its dh columns)
 *   out_i = o_i W_O
 */
export interface ReferenceDims {
  hiddenSize: number;
  numHeads: number;
}

type Flat = ArrayLike<number>;

function project(x: number[][], w: Flat, b: Flat | undefined, outDim: number): number[][] {
  return x.map((row) => {
    const out = new Array<number>(outDim).fill(0);
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < row.length; i++) s += row[i]! * w[i * outDim + o]!;
      out[o] = s;
    }
    return out;
  });
}

export function __mixerName__Reference(hn: number[][], w: Readonly<Record<string, Flat>>, dims: ReferenceDims, scale: number): number[][] {
  const d = dims.hiddenSize;
  const heads = dims.numHeads;
  const dh = d / heads;
  const v = project(hn, w['v_proj.weight']!, w['v_proj.bias'], d);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < heads; head++) {
    const rate = scale * Math.pow(2, (-8 * (head + 1)) / heads);
    for (let i = 0; i < hn.length; i++) {
      let total = 0;
      for (let j = 0; j <= i; j++) total += Math.exp(-rate * (i - j));
      for (let j = 0; j <= i; j++) {
        const a = Math.exp(-rate * (i - j)) / total;
        for (let c = 0; c < dh; c++) mixed[i]![head * dh + c]! += a * v[j]![head * dh + c]!;
      }
    }
  }
  return project(mixed, w['o_proj.weight']!, undefined, d);
}
