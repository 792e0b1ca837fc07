/**
 * lm-eval's aggregations by name, each with the standard error lm-eval reports for it: the mean
 * gets sample std / sqrt(n); f1, matthews_corrcoef and perplexity are bootstrapped; every other
 * aggregation (custom functions in lm-eval: CB's macro F1, weighted perplexities) reports "N/A",
 * and so does every aggregation when bootstrap_iters is 0.
 */
import { f1Binary, groupExactMatch, macroF1, matthewsCorrcoef, pearson, spearman } from './classification.js';
import { bootstrapStderr, mean, meanStderr } from './stderr.js';

export type Item = number | readonly [number, number] | readonly [string, number, number];
type Pairs = readonly (readonly [number, number])[];

export interface Aggregation {
  fn: (items: Item[]) => number;
  stderr: 'mean' | 'bootstrap' | 'none';
}

const golds = (xs: Pairs) => xs.map((x) => x[0]);
const preds = (xs: Pairs) => xs.map((x) => x[1]);
const weightedMean = (xs: Pairs) => {
  let a = 0;
  let b = 0;
  for (const [x, w] of xs) {
    a += x;
    b += w;
  }
  return a / b;
};

export const AGGREGATIONS: Record<string, Aggregation> = {
  mean: { fn: (xs) => mean(xs as number[]), stderr: 'mean' },
  f1: { fn: (xs) => f1Binary(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs)), stderr: 'bootstrap' },
  matthews_corrcoef: { fn: (xs) => matthewsCorrcoef(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs)), stderr: 'bootstrap' },
  cb_macro_f1: { fn: (xs) => macroF1(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs), 3), stderr: 'none' },
  multirc_f1a: { fn: (xs) => f1Binary(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs)), stderr: 'none' },
  multirc_em: {
    fn: (xs) => {
      const t = xs as unknown as (readonly [string, number, number])[];
      return groupExactMatch(t.map((x) => x[0]), t.map((x) => x[1]), t.map((x) => x[2]));
    },
    stderr: 'none',
  },
  /** STS-B (fine-tuning): items are [prediction, gold]. */
  pearson: { fn: (xs) => pearson(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs)), stderr: 'none' },
  spearmanr: { fn: (xs) => spearman(golds(xs as unknown as Pairs), preds(xs as unknown as Pairs)), stderr: 'none' },
  /** LAMBADA: exp(-mean of the per-document log-likelihoods). */
  perplexity: { fn: (xs) => Math.exp(-mean(xs as number[])), stderr: 'bootstrap' },
  weighted_perplexity: { fn: (xs) => Math.exp(-weightedMean(xs as unknown as Pairs)), stderr: 'none' },
  bits_per_byte: { fn: (xs) => -weightedMean(xs as unknown as Pairs) / Math.LN2, stderr: 'none' },
};

/**
 * The value and stderr of one metric as lm-eval reports them ("N/A" when it has none). As in
 * lm-eval's stderr_for_metric, bootstrapIters ≤ 0 turns every stderr off, the closed-form one of
 * the mean included ("set to 0 for no stderr calculations to be performed").
 */
export function aggregate(name: string, items: Item[], bootstrapIters: number): { value: number; stderr: number | 'N/A' } {
  const agg = AGGREGATIONS[name];
  if (!agg) throw new Error(`unknown aggregation '${name}' (known: ${Object.keys(AGGREGATIONS).join(', ')})`);
  const value = agg.fn(items);
  if (bootstrapIters <= 0 || items.length <= 1 || agg.stderr === 'none') return { value, stderr: 'N/A' };
  if (agg.stderr === 'mean') return { value, stderr: meanStderr(items as number[]) };
  return { value, stderr: bootstrapStderr(agg.fn, items, bootstrapIters) };
}
