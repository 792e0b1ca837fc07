/** Summary and histogram of pre-softmax logits at causal positions (the paper's Fig. on logit ranges). */
export interface LogitStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  absMax: number;
  quantiles: Record<'p01' | 'p50' | 'p99', number>;
  /** Histogram on a symmetric log-like scale: bin edges and counts. */
  histogram: { edges: number[]; counts: number[] };
}

/** Symmetric bin edges: 0, ±10^(k/4) up to the data's magnitude, so values from 0.1 to 10⁴ all show. */
function edgesFor(absMax: number): number[] {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(absMax, 1)) * 4) + 1);
  const pos: number[] = [];
  for (let k = -4; k <= top; k++) pos.push(Math.pow(10, k / 4));
  return [...pos.map((v) => -v).reverse(), 0, ...pos];
}

export function logitStats(values: Float32Array | number[]): LogitStats {
  const n = values.length;
  if (n === 0) return { count: 0, min: NaN, max: NaN, mean: NaN, std: NaN, absMax: NaN, quantiles: { p01: NaN, p50: NaN, p99: NaN }, histogram: { edges: [], counts: [] } };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const sorted = Float64Array.from(values).sort();
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * (n - 1)))]!;
  const absMax = Math.max(Math.abs(min), Math.abs(max));
  const edges = edgesFor(absMax);
  const counts = new Array(edges.length - 1).fill(0);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = edges.length - 1;
    if (v <= edges[0]!) lo = 0;
    else if (v >= edges[hi]!) lo = hi - 1;
    else {
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (edges[mid]! <= v) lo = mid;
        else hi = mid;
      }
    }
    counts[lo]++;
  }
  return { count: n, min, max, mean, std: Math.sqrt(ss / n), absMax, quantiles: { p01: q(0.01), p50: q(0.5), p99: q(0.99) }, histogram: { edges, counts } };
}
