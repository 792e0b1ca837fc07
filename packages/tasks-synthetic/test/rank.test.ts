import { describe, expect, it } from 'vitest';
import { spearmanRank } from '../src/index.js';

describe('spearmanRank', () => {
  it('equals 1 − 6Σd²/(n(n²−1)) without ties, with an exact p for small n, the t approximation above, and the Fisher-z interval', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [2, 1, 4, 3, 5];
    // d = −1, 1, −1, 1, 0: Σd² = 4, ρ = 1 − 24/120 = 0.8
    const r = spearmanRank(a, b);
    expect(r.rho).toBeCloseTo(0.8, 12);
    // Exact: ρ ≥ 0.8 ⇔ Σd² ≤ 4: the identity, 4 adjacent swaps, 3 pairs of disjoint adjacent swaps;
    // as many orders reach ρ ≤ −0.8, so p = 16 / 120.
    expect(r.p!).toBeCloseTo(16 / 120, 12);
    // ρ = 1 with 4 models: 2 of the 24 orders are as extreme (the t approximation would say 0).
    expect(spearmanRank([1, 2, 3, 4], [10, 20, 30, 40]).p!).toBeCloseTo(2 / 24, 12);
    // Above 8 pairs: t = ρ·√((n − 2)/(1 − ρ²)) with n − 2 df; ρ = 1 − 6·2/(9·80) for one adjacent swap of 9.
    const nine = spearmanRank([1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(nine.rho).toBeCloseTo(1 - 12 / 720, 12);
    // t = 0.98333·√(7 / 0.033056) = 14.31 with 7 df: p ≈ 1.9e-6
    expect(nine.p!).toBeGreaterThan(1e-6);
    expect(nine.p!).toBeLessThan(3e-6);
    // z = atanh 0.8 = 1.09861, half = 1.95996·√(1.06/2) = 1.42687
    expect(r.lo!).toBeCloseTo(Math.tanh(1.09861 - 1.42687), 4);
    expect(r.hi!).toBeCloseTo(Math.tanh(1.09861 + 1.42687), 4);
  });

  it('gives tied values their average rank', () => {
    // ranks of b: 1, 2, 3.5, 5, 3.5; against 1…5: Σ(dx·dy) = 8, Σdx² = 10, Σdy² = 9.5 → ρ = 8/√95
    expect(spearmanRank([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).rho).toBeCloseTo(8 / Math.sqrt(95), 12);
  });

  it('ranks Infinity last (a diverged model is the most perplexed) and is invariant to monotone maps', () => {
    expect(spearmanRank([38.1, 993.5, 9e4], [10, 20, Infinity]).rho).toBeCloseTo(1, 12);
    expect(spearmanRank([3, 1, 2, 5], [30, 10, 20, 50]).rho).toBeCloseTo(1, 12);
    expect(spearmanRank([3, 1, 2, 5], [Math.exp(3), Math.exp(1), Math.exp(2), Math.exp(5)].map((x) => -x)).rho).toBeCloseTo(-1, 12);
    expect(spearmanRank([1, 2, 3], [3, 1, 2]).lo).toBeNull(); // too few pairs for an interval
  });

  it('refuses lists that cannot be ranked against each other', () => {
    expect(() => spearmanRank([1, 2], [1])).toThrow(/equal length/);
    expect(() => spearmanRank([1, NaN, 3], [1, 2, 3])).toThrow(/NaN/);
  });
});
