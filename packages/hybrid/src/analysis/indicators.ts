/**
 * Attention-pattern indicators (docs/model.md §5), computed straight from one causal attention matrix
 * `A` (L×L, row-major, rows sum to 1) per head. Plain loops: these are reference formulas.
 */
export type Matrix = Float32Array | Float64Array | number[];

/**
 * H = −Σ_{i,k} A[i,k] log A[i,k], over the positive entries (zeros skipped; a signed map, such as
 * `approximate`'s paper kernel, reports its negative entries as `negativeMass` instead). High ≈
 * mean pooling.
 */
export function attentionEntropy(a: Matrix, L: number): number {
  let h = 0;
  for (let i = 0; i < L * L; i++) {
    const v = a[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/** Conc = ‖A‖_F. High = focus on few tokens. */
export function concentration(a: Matrix, L: number): number {
  let s = 0;
  for (let i = 0; i < L * L; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Negative mass = (1/L) Σ_i Σ_k max(0, −A[i,k]): how much negative weight a row holds, on average.
 * 0 for softmax maps; a signed map's rows still sum to 1, so their positive weights exceed 1 by it.
 */
export function negativeMass(a: Matrix, L: number): number {
  let s = 0;
  for (let i = 0; i < L * L; i++) if (a[i]! < 0) s -= a[i]!;
  return s / L;
}

/** Sink = (1/L) Σ_i A[i,0]: attention paid to the first token. */
export function sink(a: Matrix, L: number): number {
  let s = 0;
  for (let i = 0; i < L; i++) s += a[i * L]!;
  return s / L;
}

/** LocFoc_N = (1/(L−N)) Σ_{i≥N} A[i,i−N]: mean of the N-th sub-diagonal. */
export function localFocus(a: Matrix, L: number, n: number): number {
  if (n >= L) return NaN;
  let s = 0;
  for (let i = n; i < L; i++) s += a[i * L + i - n]!;
  return s / (L - n);
}

/**
 * HeadDiv: population standard deviation across heads at each causal position (i ≥ k),
 * averaged over the L(L+1)/2 positions.
 */
export function headDiversity(heads: Matrix[], L: number): number {
  const H = heads.length;
  let total = 0;
  let count = 0;
  for (let i = 0; i < L; i++) {
    for (let k = 0; k <= i; k++) {
      let mean = 0;
      for (const a of heads) mean += a[i * L + k]!;
      mean /= H;
      let v = 0;
      for (const a of heads) v += (a[i * L + k]! - mean) ** 2;
      total += Math.sqrt(v / H);
      count++;
    }
  }
  return total / count;
}

export interface LayerIndicators {
  entropy: number;
  concentration: number;
  headDiversity: number;
  sink: number;
  /** LocFoc 0…3. */
  localFocus: number[];
  /** Mean negative weight per row (`negativeMass`): 0 unless the mixer's map is signed. */
  negativeMass: number;
}

/** All indicators of one layer from its heads' maps, averaged over heads. */
export function layerIndicators(heads: Matrix[], L: number): LayerIndicators {
  const mean = (f: (a: Matrix) => number) => heads.reduce((s, a) => s + f(a), 0) / heads.length;
  return {
    entropy: mean((a) => attentionEntropy(a, L)),
    concentration: mean((a) => concentration(a, L)),
    headDiversity: headDiversity(heads, L),
    sink: mean((a) => sink(a, L)),
    localFocus: [0, 1, 2, 3].map((n) => mean((a) => localFocus(a, L, n))),
    negativeMass: mean((a) => negativeMass(a, L)),
  };
}

/** Mean of several indicator sets (over sequences). */
export function averageIndicators(list: LayerIndicators[]): LayerIndicators {
  const avg = (f: (x: LayerIndicators) => number) => list.reduce((s, x) => s + f(x), 0) / list.length;
  return {
    entropy: avg((x) => x.entropy),
    concentration: avg((x) => x.concentration),
    headDiversity: avg((x) => x.headDiversity),
    sink: avg((x) => x.sink),
    localFocus: [0, 1, 2, 3].map((n) => avg((x) => x.localFocus[n]!)),
    // Results saved before negative mass was measured lack it: they held softmax-like maps only.
    negativeMass: avg((x) => x.negativeMass ?? 0),
  };
}

/** Min-max normalise values across compared layers/models (the paper's plots); constant → 0.5. */
export function minMaxNormalise(values: number[]): number[] {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5));
}
