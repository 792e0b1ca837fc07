import { DeconattnError } from '@deconattn/core';
import { TaskRandom } from '../tasks/random.js';
import type { Interval } from './intervals.js';

/** Linear-interpolation quantile of sorted values (type 7: R's and NumPy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new DeconattnError('quantileSorted: no values.');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface PairedBootstrapOptions {
  /** Resamples (default 10 000). */
  resamples?: number;
  /** Seed of the resampling (results are reproducible). */
  seed?: number;
  level?: number;
  /**
   * Cluster of each item (e.g. the test sequence it belongs to). Items of one sequence share a
   * context and are not independent, so whole clusters are resampled. Default: every item alone.
   */
  clusters?: ArrayLike<number>;
}

export interface PairedBootstrapResult extends Interval {
  /** Fraction of resampled differences ≤ 0 and ≥ 0: a two-sided bootstrap p-value is 2·min of them. */
  fractionAtMostZero: number;
  fractionAtLeastZero: number;
  resamples: number;
}

/**
 * Paired bootstrap of the difference in mean score, mean(a) − mean(b), for two models scored on
 * the same items: resample items (or whole clusters) with replacement, keep each item's pair
 * together, and take the percentile interval of the resampled differences. It covers the
 * sampling of test items only (the trained models are held fixed).
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, o: PairedBootstrapOptions = {}): PairedBootstrapResult {
  const n = a.length;
  if (n !== b.length) throw new DeconattnError(`pairedBootstrap: the two models were scored on different numbers of items (${n} and ${b.length}); pair them on the same items.`);
  if (n === 0) throw new DeconattnError('pairedBootstrap: no items.');
  const resamples = o.resamples ?? 10_000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 100) throw new DeconattnError(`pairedBootstrap: resamples must be an integer ≥ 100, got ${resamples}.`);
  if (!(level > 0 && level < 1)) throw new DeconattnError(`pairedBootstrap: level must be between 0 and 1, got ${level}.`);
  if (o.clusters && o.clusters.length !== n) throw new DeconattnError(`pairedBootstrap: clusters has ${o.clusters.length} entries for ${n} items.`);
  // Per-cluster sums: a resample draws clusters, and the difference is Σ(a − b) / Σ count.
  const index = new Map<number, number>();
  const diffSum: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = o.clusters ? o.clusters[i]! : i;
    let k = index.get(c);
    if (k === undefined) {
      k = diffSum.length;
      index.set(c, k);
      diffSum.push(0);
      count.push(0);
    }
    diffSum[k] += a[i]! - b[i]!;
    count[k]!++;
  }
  const m = diffSum.length;
  const rng = new TaskRandom(o.seed ?? 0);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let c = 0;
    for (let j = 0; j < m; j++) {
      const k = rng.int(m);
      s += diffSum[k]!;
      c += count[k]!;
    }
    stats[r] = s / c;
  }
  stats.sort();
  let atMost = 0;
  let atLeast = 0;
  for (const s of stats) {
    if (s <= 0) atMost++;
    if (s >= 0) atLeast++;
  }
  const estimate = diffSum.reduce((x, y) => x + y, 0) / n;
  const alpha = 1 - level;
  return {
    estimate,
    lo: quantileSorted(stats, alpha / 2),
    hi: quantileSorted(stats, 1 - alpha / 2),
    level,
    method: `paired bootstrap over ${m} ${o.clusters ? 'sequences' : 'items'} (${resamples} resamples, percentile)`,
    n: m,
    fractionAtMostZero: atMost / resamples,
    fractionAtLeastZero: atLeast / resamples,
    resamples,
  };
}
