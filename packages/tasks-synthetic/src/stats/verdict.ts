import { DeconattnError } from '@deconattn/core';
import { pairedBootstrap } from './bootstrap.js';
import { meanInterval, type Interval } from './intervals.js';

/** What a study can say about a claim at its number of seeds. */
export type Verdict = 'holds' | 'does not hold' | 'cannot tell';

/** Claim "quantity ≤ bound": holds when the whole interval is at or below it, fails when all of it is above. */
export function judgeAtMost(i: Interval, bound: number): Verdict {
  if (i.lo === null || i.hi === null) return 'cannot tell';
  if (i.hi <= bound) return 'holds';
  if (i.lo > bound) return 'does not hold';
  return 'cannot tell';
}

/** Claim "quantity ≥ bound". */
export function judgeAtLeast(i: Interval, bound: number): Verdict {
  if (i.lo === null || i.hi === null) return 'cannot tell';
  if (i.lo >= bound) return 'holds';
  if (i.hi < bound) return 'does not hold';
  return 'cannot tell';
}

/** One trained model's test score at one seed; `correct` (per item, 0/1) enables paired tests. */
export interface SeedScore {
  seed: number;
  accuracy: number;
  correct?: ArrayLike<number>;
  /** Cluster (test sequence) of each item, for the bootstrap. */
  clusters?: ArrayLike<number>;
}

export interface ComparisonOptions {
  level?: number;
  /** Resamples of the one-seed bootstrap. */
  resamples?: number;
  bootstrapSeed?: number;
}

/**
 * Interval for mean(a) − mean(b) between two models trained with the same seeds (so at each seed
 * they saw the same data and are scored on the same test items). With ≥ 2 common seeds: a t
 * interval over the per-seed differences — it covers both training noise and test-set noise.
 * With one seed and per-item scores: a paired bootstrap over test sequences, which covers only
 * the test-set noise of those two trained models (said in `method`). Otherwise no interval.
 */
export function differenceInterval(a: readonly SeedScore[], b: readonly SeedScore[], o: ComparisonOptions = {}): Interval {
  const level = o.level ?? 0.95;
  const bySeed = new Map(b.map((s) => [s.seed, s]));
  const pairs = a.filter((s) => bySeed.has(s.seed)).map((s) => [s, bySeed.get(s.seed)!] as const);
  if (pairs.length === 0) throw new DeconattnError(`differenceInterval: the two models share no seed (seeds ${a.map((s) => s.seed).join(',')} and ${b.map((s) => s.seed).join(',')}); compare runs trained with the same seeds.`);
  if (pairs.length >= 2) {
    const i = meanInterval(pairs.map(([x, y]) => x.accuracy - y.accuracy), level);
    return { ...i, method: `t interval over ${pairs.length} seeds (paired by seed)` };
  }
  const [x, y] = pairs[0]!;
  if (x.correct && y.correct) return pairedBootstrap(x.correct, y.correct, { level, resamples: o.resamples ?? 10_000, seed: o.bootstrapSeed ?? 0, clusters: x.clusters });
  return { estimate: x.accuracy - y.accuracy, lo: null, hi: null, level, method: 'one seed without per-item scores: no interval', n: 1 };
}

export interface ClaimJudgement {
  claim: string;
  verdict: Verdict;
  /** The interval the verdict was read from, and the bound it was compared with. */
  interval: Interval;
  bound: number;
  evidence: string;
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}`);
const fmt = (i: Interval) => `${pct(i.estimate)} [${pct(i.lo)}, ${pct(i.hi)}] points (${i.method})`;

/** "`candidate` is within `margin` of `reference`": reference − candidate ≤ margin (accuracy, 0–1). */
export function judgeWithin(label: string, candidate: readonly SeedScore[], reference: readonly SeedScore[], margin: number, o: ComparisonOptions = {}): ClaimJudgement {
  const interval = differenceInterval(reference, candidate, o);
  return { claim: `${label} is within ${pct(margin)} points of accuracy of the reference`, verdict: judgeAtMost(interval, margin), interval, bound: margin, evidence: `reference − candidate = ${fmt(interval)}` };
}

/** "`worse` is far below `reference`": reference − worse ≥ margin. */
export function judgeFarBelow(label: string, worse: readonly SeedScore[], reference: readonly SeedScore[], margin: number, o: ComparisonOptions = {}): ClaimJudgement {
  const interval = differenceInterval(reference, worse, o);
  return { claim: `${label} is at least ${pct(margin)} points of accuracy below the reference`, verdict: judgeAtLeast(interval, margin), interval, bound: margin, evidence: `reference − candidate = ${fmt(interval)}` };
}

/**
 * "Skipping the relaxed layers collapses the hybrid": the skipped model loses at least
 * `fraction` of the hybrid's accuracy above chance, i.e. hybrid − skipped ≥ fraction ·
 * (mean hybrid accuracy − chance). The bound is fixed from the hybrid's mean, so the verdict reads
 * one interval (of the paired difference).
 */
export function judgeCollapse(label: string, hybrid: readonly SeedScore[], skipped: readonly SeedScore[], chance: number, fraction = 0.5, o: ComparisonOptions = {}): ClaimJudgement {
  if (!(fraction > 0 && fraction <= 1)) throw new DeconattnError(`judgeCollapse: fraction must be in (0, 1], got ${fraction}.`);
  const interval = differenceInterval(hybrid, skipped, o);
  const hybridMean = hybrid.reduce((s, x) => s + x.accuracy, 0) / hybrid.length;
  const bound = fraction * Math.max(0, hybridMean - chance);
  return {
    claim: `${label}: skipping the relaxed layers loses at least ${Math.round(fraction * 100)} % of the hybrid's accuracy above chance`,
    verdict: hybridMean <= chance ? 'cannot tell' : judgeAtLeast(interval, bound),
    interval,
    bound,
    evidence: `hybrid − skipped = ${fmt(interval)}; bound ${pct(bound)} (hybrid ${pct(hybridMean)}, chance ${pct(chance)})`,
  };
}
