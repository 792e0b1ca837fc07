/**
 * Plain-loop Float64 reference of `mlp` (docs/model.md §3.2), written from the formula with no tfjs:
 * `o_t = W_down(SiLU(W_gate h_t) ⊙ (W_up h_t))` for each token alone. Weights are flat row-major
 * arrays held `[in, out]` like the mixer's. Used by the tests against the tfjs implementation.
 */
export function mlpReference(hn: number[][], weights: Readonly<Record<string, ArrayLike<number>>>, hiddenSize: number, innerSize: number): number[][] {
  const d = hiddenSize;
  const m = innerSize;
  const gate = weights['gate_proj.weight']!;
  const up = weights['up_proj.weight']!;
  const down = weights['down_proj.weight']!;
  return hn.map((x) => {
    const inner = new Array<number>(m).fill(0);
    for (let j = 0; j < m; j++) {
      let g = 0;
      let u = 0;
      for (let i = 0; i < d; i++) {
        g += x[i]! * gate[i * m + j]!;
        u += x[i]! * up[i * m + j]!;
      }
      inner[j] = (g / (1 + Math.exp(-g))) * u;
    }
    const out = new Array<number>(d).fill(0);
    for (let o = 0; o < d; o++) for (let j = 0; j < m; j++) out[o] += inner[j]! * down[j * d + o]!;
    return out;
  });
}
