import { describe, expect, it } from 'vitest';
import {
  TaskRandom,
  differenceInterval,
  judgeAtLeast,
  judgeAtMost,
  judgeCollapse,
  judgeWithin,
  logBinomialHalfCdf,
  mcnemarExact,
  meanInterval,
  pairedBootstrap,
  quantileSorted,
  tQuantile,
  wilsonInterval,
} from '../src/index.js';

/** Exact P(X ≤ k), X ~ Binomial(n, 1/2), with BigInt binomial coefficients: an independent reference. */
function exactHalfCdf(k: number, n: number): number {
  let c = 1n;
  let sum = 1n;
  for (let i = 1; i <= k; i++) {
    c = (c * BigInt(n - i + 1)) / BigInt(i);
    sum += c;
  }
  // Scale to 17 significant digits before converting: sum / 2^n.
  const scale = 10n ** 40n;
  return Number((sum * scale) / 2n ** BigInt(n)) / 1e40;
}

const bits = (s: string) => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));

describe('McNemar exact test', () => {
  it('matches hand-computed p-values', () => {
    // b = 1, c = 6: 2·P(X ≤ 1 | 7) = 2·(1 + 7)/128 = 0.125.
    expect(mcnemarExact(bits('1000000'), bits('0111111')).pValue).toBeCloseTo(0.125, 15);
    // b = 0, c = 5: 2·(1/32) = 0.0625.
    expect(mcnemarExact(bits('00000'), bits('11111')).pValue).toBeCloseTo(0.0625, 15);
    // b = 2, c = 8: 2·(1 + 10 + 45)/1024 = 0.109375.
    const a = bits('11' + '0'.repeat(8) + '1100');
    const b = bits('00' + '1'.repeat(8) + '1100');
    const r = mcnemarExact(a, b);
    expect([r.onlyA, r.onlyB, r.both, r.neither]).toEqual([2, 8, 2, 2]);
    expect(r.pValue).toBeCloseTo(0.109375, 15);
  });

  it('is 1 when the discordant counts are equal or absent', () => {
    expect(mcnemarExact(bits('1010'), bits('0101')).pValue).toBe(1);
    expect(mcnemarExact(bits('1100'), bits('1100')).pValue).toBe(1);
  });

  it('agrees with exact BigInt sums for large counts', () => {
    for (const [k, n] of [
      [40, 100],
      [480, 1000],
      [3, 2000],
      [0, 1500],
    ] as const) {
      const ref = exactHalfCdf(k, n);
      const got = Math.exp(logBinomialHalfCdf(k, n));
      if (ref === 0) expect(got).toBeLessThan(1e-300);
      else expect(Math.abs(got - ref) / ref).toBeLessThan(1e-10);
    }
    // 40 of 100 discordant items against the other model: p = 2·P(X ≤ 40) ≈ 0.0569.
    const a = bits('1'.repeat(40) + '0'.repeat(60));
    const b = bits('0'.repeat(40) + '1'.repeat(60));
    expect(mcnemarExact(a, b).pValue).toBeCloseTo(2 * exactHalfCdf(40, 100), 12);
  });

  it('rejects unpaired or non-binary scores with a clear message', () => {
    expect(() => mcnemarExact(bits('101'), bits('10'))).toThrow(/different numbers of items \(3 and 2\)/);
    expect(() => mcnemarExact([1, 2], [1, 0])).toThrow(/item 1 is not 0\/1/);
  });
});

describe('intervals', () => {
  it('t quantiles match the printed table', () => {
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [9, 2.262],
      [29, 2.045],
    ];
    for (const [df, t] of table) expect(tQuantile(0.95, df)).toBeCloseTo(t, 3);
  });

  it('mean interval over seeds is mean ± t·s/√n', () => {
    // [0.9, 0.8, 0.7]: mean 0.8, s = 0.1, half-width 4.3027·0.1/√3 = 0.24841.
    const i = meanInterval([0.9, 0.8, 0.7]);
    expect(i.estimate).toBeCloseTo(0.8, 12);
    expect(i.hi! - i.estimate).toBeCloseTo((4.302652729911275 * 0.1) / Math.sqrt(3), 8);
    expect(i.lo).toBeCloseTo(0.8 - 0.24841, 4);
    const one = meanInterval([0.5]);
    expect([one.lo, one.hi]).toEqual([null, null]);
    expect(() => meanInterval([0.5, NaN])).toThrow(/finite number/);
  });

  it('Wilson interval matches the closed form at 0 and in the middle', () => {
    // k = 0: upper = z²/n / (1 + z²/n) with z = 1.959964.
    const z2 = 1.959963984540054 ** 2;
    const w = wilsonInterval(0, 10);
    expect(w.lo).toBe(0);
    expect(w.hi).toBeCloseTo(z2 / 10 / (1 + z2 / 10), 10);
    // k = 50, n = 100: centre 0.5, half = z/(1+z²/n)·√(0.25/100 + z²/(4·10⁴)).
    const m = wilsonInterval(50, 100);
    const half = (1.959963984540054 / (1 + z2 / 100)) * Math.sqrt(0.0025 + z2 / 40000);
    expect(m.hi! - 0.5).toBeCloseTo(half, 10);
  });
});

describe('paired bootstrap', () => {
  it('collapses to the difference when every item differs by the same amount', () => {
    const a = new Array(50).fill(1);
    const b = new Array(50).fill(0);
    const r = pairedBootstrap(a, b, { seed: 3, resamples: 500 });
    expect([r.estimate, r.lo, r.hi]).toEqual([1, 1, 1]);
    expect(r.fractionAtMostZero).toBe(0);
  });

  it('reproduces the exact bootstrap distribution of a two-item sample', () => {
    // Differences (1, 0): a resample of two is (1,1), (1,0), (0,1) or (0,0): mean 1, ½, ½, 0.
    const r = pairedBootstrap([1, 0], [0, 0], { seed: 11, resamples: 20_000 });
    expect(r.estimate).toBe(0.5);
    expect(r.lo).toBe(0);
    expect(r.hi).toBe(1);
    // P(mean ≤ 0) = 1/4 and P(mean ≥ 0) = 1: within 4 standard errors of 20 000 draws.
    expect(Math.abs(r.fractionAtMostZero - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / 20_000));
    expect(r.fractionAtLeastZero).toBe(1);
  });

  it('is seeded, and its width matches the normal approximation on many items', () => {
    const rng = new TaskRandom(5);
    const a = Array.from({ length: 2000 }, () => (rng.next() < 0.7 ? 1 : 0));
    const b = Array.from({ length: 2000 }, () => (rng.next() < 0.6 ? 1 : 0));
    const r1 = pairedBootstrap(a, b, { seed: 1, resamples: 4000 });
    const r2 = pairedBootstrap(a, b, { seed: 1, resamples: 4000 });
    expect(r2).toEqual(r1);
    const d = a.map((x, i) => x - b[i]!);
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1));
    const normalHalf = (1.96 * sd) / Math.sqrt(d.length);
    expect(Math.abs((r1.hi! - r1.lo!) / 2 - normalHalf) / normalHalf).toBeLessThan(0.08);
  });

  it('resamples whole clusters: perfectly correlated items widen the interval', () => {
    // 40 sequences of 10 items each; within a sequence every item has the same difference.
    const rng = new TaskRandom(8);
    const a: number[] = [];
    const b: number[] = [];
    const clusters: number[] = [];
    for (let s = 0; s < 40; s++) {
      const da = rng.next() < 0.6 ? 1 : 0;
      for (let i = 0; i < 10; i++) {
        a.push(da);
        b.push(0);
        clusters.push(s);
      }
    }
    const flat = pairedBootstrap(a, b, { seed: 2, resamples: 4000 });
    const clustered = pairedBootstrap(a, b, { seed: 2, resamples: 4000, clusters });
    // √10 wider when ten identical items count as one observation.
    const ratio = (clustered.hi! - clustered.lo!) / (flat.hi! - flat.lo!);
    expect(ratio).toBeGreaterThan(2.6);
    expect(ratio).toBeLessThan(3.8);
    expect(clustered.n).toBe(40);
  });

  it('type-7 quantiles', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10, 20], 0.25)).toBe(12.5);
  });
});

describe('verdicts', () => {
  it('reads an interval against a bound in three ways', () => {
    const i = (lo: number, hi: number) => ({ estimate: (lo + hi) / 2, lo, hi, level: 0.95, method: 'x', n: 3 });
    expect(judgeAtMost(i(0.01, 0.04), 0.05)).toBe('holds');
    expect(judgeAtMost(i(0.06, 0.2), 0.05)).toBe('does not hold');
    expect(judgeAtMost(i(0.01, 0.2), 0.05)).toBe('cannot tell');
    expect(judgeAtLeast(i(0.6, 0.9), 0.5)).toBe('holds');
    expect(judgeAtLeast(i(0.1, 0.4), 0.5)).toBe('does not hold');
    expect(judgeAtMost({ estimate: 0, lo: null, hi: null, level: 0.95, method: 'x', n: 1 }, 1)).toBe('cannot tell');
  });

  it('pairs by seed: t over seed differences with ≥ 2 seeds, bootstrap over items with one', () => {
    const std = [
      { seed: 0, accuracy: 0.99 },
      { seed: 1, accuracy: 0.98 },
      { seed: 2, accuracy: 1.0 },
    ];
    const hyb = [
      { seed: 0, accuracy: 0.97 },
      { seed: 1, accuracy: 0.97 },
      { seed: 2, accuracy: 0.98 },
    ];
    const d = differenceInterval(std, hyb);
    // Differences 0.02, 0.01, 0.02: mean 0.016667, s = 0.005774, half = 4.3027·s/√3 = 0.014343.
    expect(d.estimate).toBeCloseTo(0.0166667, 6);
    expect(d.hi! - d.estimate).toBeCloseTo(0.014343, 5);
    expect(judgeWithin('hybrid', hyb, std, 0.05).verdict).toBe('holds');
    expect(judgeWithin('hybrid', hyb, std, 0.02).verdict).toBe('cannot tell');
    expect(() => differenceInterval(std, [{ seed: 9, accuracy: 1 }])).toThrow(/share no seed/);
    const one = differenceInterval([{ seed: 0, accuracy: 1, correct: new Array(100).fill(1) }], [{ seed: 0, accuracy: 0.5, correct: Array.from({ length: 100 }, (_, i) => i % 2) }], { resamples: 2000 });
    expect(one.method).toMatch(/paired bootstrap/);
    expect(one.lo).toBeGreaterThan(0.35);
  });

  it('collapse: the skipped hybrid must lose a fraction of its accuracy above chance', () => {
    const hyb = [
      { seed: 0, accuracy: 0.95 },
      { seed: 1, accuracy: 0.97 },
    ];
    const collapsed = [
      { seed: 0, accuracy: 0.1 },
      { seed: 1, accuracy: 0.12 },
    ];
    const kept = [
      { seed: 0, accuracy: 0.9 },
      { seed: 1, accuracy: 0.94 },
    ];
    expect(judgeCollapse('h', hyb, collapsed, 1 / 16).verdict).toBe('holds');
    expect(judgeCollapse('h', hyb, kept, 1 / 16).verdict).toBe('does not hold');
  });
});
