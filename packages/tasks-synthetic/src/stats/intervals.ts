import { DeconattnError } from '@deconattn/core';
import jstat from 'jstat';

const { jStat } = jstat;

/** An estimate with a two-sided interval; `lo`/`hi` are null when the data cannot give one (one seed). */
export interface Interval {
  estimate: number;
  lo: number | null;
  hi: number | null;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** How the interval was computed, in words (for reports). */
  method: string;
  /** Observations behind it (seeds, or items). */
  n: number;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new DeconattnError(`Confidence level must be between 0 and 1 (e.g. 0.95), got ${level}.`);
}

/** Two-sided Student-t quantile t_{1−α/2, df} (jstat's inverse CDF). */
export function tQuantile(level: number, df: number): number {
  checkLevel(level);
  if (!(df >= 1)) throw new DeconattnError(`Degrees of freedom must be ≥ 1, got ${df}.`);
  return jStat.studentt.inv(1 - (1 - level) / 2, df);
}

/** Two-sided standard-normal quantile z_{1−α/2}. */
export function zQuantile(level: number): number {
  checkLevel(level);
  return jStat.normal.inv(1 - (1 - level) / 2, 0, 1);
}

/**
 * Mean over independent replicates (seeds) with a Student-t interval, `mean ± t_{n−1} · s/√n`.
 * Chosen over a bootstrap because a study has 2–5 seeds: a bootstrap over so few values
 * understates the spread, while the t interval is exact for normal errors and honest (wide) at
 * small n. One value gives no interval (lo = hi = null).
 */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
  checkLevel(level);
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length !== values.length) throw new DeconattnError(`meanInterval: every value must be a finite number, got ${JSON.stringify(values)}.`);
  const n = xs.length;
  if (n === 0) throw new DeconattnError('meanInterval: no values (give one per seed).');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { estimate: mean, lo: null, hi: null, level, method: 'one seed: no interval', n };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const half = tQuantile(level, n - 1) * Math.sqrt(variance / n);
  return { estimate: mean, lo: mean - half, hi: mean + half, level, method: `t interval over ${n} seeds`, n };
}

/**
 * Wilson score interval for a proportion k/n (one model's accuracy on n items): it stays inside
 * [0, 1] and behaves at 0 % and 100 %, where the normal interval collapses to a point. It covers
 * test-set sampling only, not the spread between training seeds.
 */
export function wilsonInterval(k: number, n: number, level = 0.95): Interval {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 0 || k > n) throw new DeconattnError(`wilsonInterval: need integers 0 ≤ k ≤ n, n ≥ 1; got k ${k}, n ${n}.`);
  const z = zQuantile(level);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half), level, method: `Wilson interval over ${n} items`, n };
}
