/** Standard errors as lm-eval v0.4.8 computes them (lm_eval/api/metrics.py). */
import { PyRandom } from './pyrandom.js';

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample standard deviation (n − 1). */
export function sampleStddev(xs: ArrayLike<number>): number {
  const mu = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - mu) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** The stderr of a mean: sample std / sqrt(n). */
export function meanStderr(xs: ArrayLike<number>): number {
  return sampleStddev(xs) / Math.sqrt(xs.length);
}

/** lm-eval's default bootstrap_iters. */
export const DEFAULT_BOOTSTRAP_ITERS = 100_000;

/**
 * lm-eval's bootstrap_stderr: iters // chunk resamples in chunks of chunk = min(1000, iters), chunk
 * i drawn with random.Random(i).choices(xs, k=len(xs)); the stderr is the sample std of the metric
 * over the resamples. With the Python-compatible generator the result equals lm-eval's.
 */
export function bootstrapStderr<T>(f: (xs: T[]) => number, xs: T[], iters = DEFAULT_BOOTSTRAP_ITERS): number {
  const chunk = Math.min(1000, iters);
  const chunks = Math.floor(iters / chunk);
  const n = xs.length;
  const sample = new Array<T>(n);
  const res: number[] = [];
  for (let i = 0; i < chunks; i++) {
    const rnd = new PyRandom(i);
    for (let r = 0; r < chunk; r++) {
      for (let k = 0; k < n; k++) sample[k] = xs[rnd.choiceIndex(n)]!;
      res.push(f(sample));
    }
  }
  return sampleStddev(res);
}
