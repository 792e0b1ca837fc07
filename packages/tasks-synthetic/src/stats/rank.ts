import { DeconattnError } from '@deconattn/core';
import jstat from 'jstat';
import { zQuantile } from './intervals.js';

const { jStat } = jstat;

/** Spearman's ρ with what is needed to read it: a p-value of ρ = 0 and an interval. */
export interface RankCorrelationResult {
  rho: number;
  n: number;
  /** Two-sided p-value of ρ = 0: exact (permutations) up to 8 pairs, t approximation with n − 2 degrees of freedom above; null below 3 pairs. */
  p: number | null;
  /** Interval of ρ by Fisher's z with Fieller, Hartley and Pearson's variance 1.06 / (n − 3); null below 4 pairs or at |ρ| = 1. */
  lo: number | null;
  hi: number | null;
  level: number;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, ties at their average rank
 * (jStat.spearmancoeff). Infinity ranks above every finite value. NaN when one list is constant.
 */
export function spearmanRank(a: readonly number[], b: readonly number[], level = 0.95): RankCorrelationResult {
  const n = a.length;
  if (n !== b.length || n < 2) throw new DeconattnError(`spearmanRank: need two lists of equal length ≥ 2, got ${a.length} and ${b.length}.`);
  if ([...a, ...b].some((x) => Number.isNaN(x))) throw new DeconattnError('spearmanRank: a value is NaN; give numbers (Infinity ranks last).');
  const rho = jStat.spearmancoeff([...a], [...b]);
  let p: number | null = null;
  if (n >= 3 && n <= 8 && Number.isFinite(rho)) p = exactP(a, b, rho);
  else if (n >= 3 && Number.isFinite(rho)) {
    if (Math.abs(rho) >= 1) p = 0;
    else {
      const t = Math.abs(rho) * Math.sqrt((n - 2) / (1 - rho * rho));
      p = 2 * (1 - jStat.studentt.cdf(t, n - 2));
    }
  }
  let lo: number | null = null;
  let hi: number | null = null;
  if (n >= 4 && Number.isFinite(rho) && Math.abs(rho) < 1) {
    const z = Math.atanh(rho);
    const half = zQuantile(level) * Math.sqrt(1.06 / (n - 3));
    lo = Math.tanh(z - half);
    hi = Math.tanh(z + half);
  }
  return { rho, n, p, lo, hi, level };
}

/**
 * Exact two-sided permutation p-value of ρ for small n (≤ 8: at most 40 320 orders), where the t
 * approximation is poor (it gives 0 at |ρ| = 1): the share of orderings of `b` whose |ρ| reaches
 * the observed one.
 */
function exactP(a: readonly number[], b: readonly number[], rho: number): number {
  const perm = [...b];
  let hits = 0;
  let total = 0;
  const visit = (k: number): void => {
    if (k === perm.length) {
      total++;
      if (Math.abs(jStat.spearmancoeff([...a], [...perm])) >= Math.abs(rho) - 1e-12) hits++;
      return;
    }
    for (let i = k; i < perm.length; i++) {
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
      visit(k + 1);
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
    }
  };
  visit(0);
  return hits / total;
}
