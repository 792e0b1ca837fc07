import { referenceProject, referenceRope } from '@deconattn/core';
import type { ApproximateKernel } from './options.js';

/**
 * Plain-loop Float64 references of `approximate` (docs/model.md §3.3), straight from the formulas, no
 * tfjs. One sequence (`T×d`) starting at position 0; weights flat row-major, linear ones `[in, out]`.
 * `Q,K,V = Hn W + b`, RoPE (rotate-half) on Q and K, per head one of:
 *
 * - `paper` (Eq. 14–17): `o_i = Σ_{j≤i} v_j/(i+1) + Σ_j (q_i·k_j) v_j / g(Σ_j q_i·k_j)
 *   + Σ_j ((q_i⊙q_i/√2)·(k_j⊙k_j/√2)) v_j / g(Σ_j (q_i⊙q_i/√2)·(k_j⊙k_j/√2))` over j ≤ i, with
 *   `g(x) = sign(x)·max(|x|, 1e-6)`, sign(0) = +1;
 * - `based`: `s = q_i·k_j/√dh`, `T = 1 + s + s²/2`, `o_i = Σ_j T v_j / Σ_j T`;
 * - `diag` (retired, old checkpoints): `T = 1 + s + Σ_c (q_ic k_jc)²/2`, normalised as `based`;
 *
 * heads concatenated, then W_O.
 */
export interface ApproximateReferenceDims {
  hiddenSize: number;
  numHeads: number;
  ropeTheta: number;
}

type Weights = Readonly<Record<string, ArrayLike<number>>>;

const guard = (x: number) => (x >= 0 ? Math.max(x, 1e-6) : Math.min(x, -1e-6));

function qkv(hn: number[][], weights: Weights, dims: ApproximateReferenceDims) {
  const d = dims.hiddenSize;
  const h = dims.numHeads;
  return {
    q: referenceRope(referenceProject(hn, weights['q_proj.weight']!, weights['q_proj.bias']!, d), h, dims.ropeTheta),
    k: referenceRope(referenceProject(hn, weights['k_proj.weight']!, weights['k_proj.bias']!, d), h, dims.ropeTheta),
    v: referenceProject(hn, weights['v_proj.weight']!, weights['v_proj.bias']!, d),
  };
}

/**
 * The per-head weights of row i over columns j ≤ i such that `o_i = Σ_j w_j v_j`: for `paper`
 * the sum A0 + A1 + A2 of the three terms, for `based`/`diag` the normalised Taylor kernel.
 */
function rowWeights(q: number[], k: number[][], base: number, dh: number, i: number, kernel: ApproximateKernel): number[] {
  const first = new Array<number>(i + 1);
  const second = new Array<number>(i + 1);
  for (let j = 0; j <= i; j++) {
    let dot = 0;
    let sq = 0;
    for (let c = 0; c < dh; c++) {
      const p = q[base + c]! * k[j]![base + c]!;
      dot += p;
      sq += p * p;
    }
    if (kernel === 'paper') {
      first[j] = dot;
      second[j] = sq / 2; // (q⊙q/√2)·(k⊙k/√2)
    } else {
      const s = dot / Math.sqrt(dh);
      first[j] = kernel === 'based' ? 1 + s + (s * s) / 2 : 1 + s + sq / 2;
    }
  }
  if (kernel !== 'paper') {
    const total = first.reduce((a, x) => a + x, 0);
    return first.map((x) => x / total);
  }
  const d1 = guard(first.reduce((a, x) => a + x, 0));
  const d2 = guard(second.reduce((a, x) => a + x, 0));
  return first.map((x, j) => 1 / (i + 1) + x / d1 + second[j]! / d2);
}

export function approximateReference(hn: number[][], weights: Weights, dims: ApproximateReferenceDims, kernel: ApproximateKernel = 'paper'): number[][] {
  const d = dims.hiddenSize;
  const dh = d / dims.numHeads;
  const { q, k, v } = qkv(hn, weights, dims);
  const mixed = hn.map(() => new Array<number>(d).fill(0));
  for (let head = 0; head < dims.numHeads; head++) {
    const base = head * dh;
    for (let i = 0; i < hn.length; i++) {
      const w = rowWeights(q[i]!, k, base, dh, i, kernel);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) mixed[i]![base + c] += w[j]! * v[j]![base + c]!;
    }
  }
  return referenceProject(mixed, weights['o_proj.weight']!, undefined, d);
}

/** The diagnostic map of the `paper` kernel, `(A0 + A1 + A2)/3`, per head: `[head][i][j]` (0 above the diagonal). */
export function approximatePaperMapReference(hn: number[][], weights: Weights, dims: ApproximateReferenceDims): number[][][] {
  const dh = dims.hiddenSize / dims.numHeads;
  const { q, k } = qkv(hn, weights, dims);
  return Array.from({ length: dims.numHeads }, (_, head) =>
    hn.map((_, i) => {
      const w = rowWeights(q[i]!, k, head * dh, dh, i, 'paper');
      return hn.map((_, j) => (j <= i ? w[j]! / 3 : 0));
    }),
  );
}
