import { DeconattnError } from '@deconattn/core';

/**
 * ln P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space (terms C(n, i)/2ⁿ from the recurrence
 * C(n, i) = C(n, i−1)·(n−i+1)/i), so it stays exact to rounding for any n, where 2⁻ⁿ underflows.
 */
export function logBinomialHalfCdf(k: number, n: number): number {
  if (k < 0) return -Infinity;
  if (k >= n) return 0;
  let logC = 0;
  let max = 0;
  const terms: number[] = [0];
  for (let i = 1; i <= k; i++) {
    logC += Math.log(n - i + 1) - Math.log(i);
    terms.push(logC);
    if (logC > max) max = logC;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return max + Math.log(s) - n * Math.LN2;
}

export interface McNemarResult {
  /** Items only the first model got right. */
  onlyA: number;
  /** Items only the second model got right. */
  onlyB: number;
  /** Items both got right / both got wrong (they carry no information about the difference). */
  both: number;
  neither: number;
  /** Exact two-sided p-value of "both models have the same accuracy on these items". */
  pValue: number;
}

/**
 * McNemar's exact test for two models scored on the same items: under the null, each discordant
 * item (one right, one wrong) is equally likely to favour either, so with b and c discordant
 * counts, p = min(1, 2·P(X ≤ min(b, c))), X ~ Binomial(b + c, 1/2).
 */
export function mcnemarExact(a: ArrayLike<number>, b: ArrayLike<number>): McNemarResult {
  if (a.length !== b.length) throw new DeconattnError(`mcnemarExact: the two models were scored on different numbers of items (${a.length} and ${b.length}); pair them on the same items.`);
  let onlyA = 0;
  let onlyB = 0;
  let both = 0;
  let neither = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((x !== 0 && x !== 1) || (y !== 0 && y !== 1)) throw new DeconattnError(`mcnemarExact: item ${i} is not 0/1 correctness (got ${x} and ${y}).`);
    if (x && y) both++;
    else if (x) onlyA++;
    else if (y) onlyB++;
    else neither++;
  }
  const d = onlyA + onlyB;
  const pValue = d === 0 ? 1 : Math.min(1, 2 * Math.exp(logBinomialHalfCdf(Math.min(onlyA, onlyB), d)));
  return { onlyA, onlyB, both, neither, pValue };
}
