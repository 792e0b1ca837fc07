/**
 * Metric functions against known values: sklearn / scipy documentation examples, values worked
 * out from the formulas, and lm-eval's bootstrap computed with CPython's `random` (the expected
 * stderrs below came from running lm-eval's bootstrap_stderr loop in Python on the same items).
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../src/metrics/aggregations.js';
import { f1Binary, groupExactMatch, macroF1, matthewsCorrcoef, pearson, spearman } from '../src/metrics/classification.js';
import { PyRandom } from '../src/metrics/pyrandom.js';
import { exactMatch, normalizeAnswer, tokenF1 } from '../src/metrics/squad.js';
import { bootstrapStderr, meanStderr } from '../src/metrics/stderr.js';

const golds = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1];
const preds = [1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1];
const pairs = golds.map((g, i) => [g, preds[i]!] as const);

describe('classification metrics', () => {
  it('F1 (binary, positive 1): TP 5, FP 2, FN 2 → 10/14', () => {
    expect(f1Binary(golds, preds)).toBeCloseTo(10 / 14, 15);
    expect(f1Binary([0, 0], [0, 0])).toBe(0); // sklearn's zero_division default
  });

  it('MCC: the sklearn documentation example is -1/3', () => {
    expect(matthewsCorrcoef([1, 1, 1, -1], [1, -1, 1, 1])).toBeCloseTo(-1 / 3, 15);
    // (TP·TN − FP·FN) / sqrt(...) = (5·3 − 2·2) / sqrt(7·7·5·5) = 11/35
    expect(matthewsCorrcoef(golds, preds)).toBeCloseTo(11 / 35, 15);
    expect(matthewsCorrcoef([1, 1, 0], [1, 1, 1])).toBe(0);
  });

  it('CB macro F1: the sklearn f1_score example (macro 0.2667 = (0.8 + 0 + 0) / 3)', () => {
    expect(macroF1([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3)).toBeCloseTo(0.8 / 3, 15);
  });

  it('MultiRC exact match: a question counts only when all its answers are right', () => {
    expect(groupExactMatch(['a', 'a', 'b', 'b', 'c'], [1, 0, 1, 1, 0], [1, 0, 1, 0, 0])).toBeCloseTo(2 / 3, 15);
  });

  it('Pearson and Spearman: the scipy documentation examples', () => {
    expect(pearson([1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2])).toBeCloseTo(-0.828503883588428, 12);
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('SQuAD normalisation, exact match and token F1 (ReCoRD)', () => {
    expect(normalizeAnswer('The  Eiffel-Tower!')).toBe('eiffeltower');
    expect(exactMatch('the Beatles', 'Beatles')).toBe(1);
    // gold "barack obama" vs pred "obama": precision 1, recall 1/2 → F1 2/3
    expect(tokenF1('Barack Obama', 'Obama')).toBeCloseTo(2 / 3, 15);
    expect(tokenF1('a', 'the')).toBe(1); // both normalise to nothing
  });
});

describe('aggregations and their stderr, as lm-eval reports them', () => {
  it('mean: sample std / sqrt(n)', () => {
    expect(meanStderr([1, 0, 1, 1, 0])).toBeCloseTo(0.24494897427831783, 15);
    expect(aggregate('mean', [1, 0, 1, 1, 0], 100)).toEqual({ value: 0.6, stderr: meanStderr([1, 0, 1, 1, 0]) });
  });

  it('bootstrap_iters 0 turns every stderr off, the mean\'s too (lm-eval stderr_for_metric returns None)', () => {
    expect(aggregate('mean', [1, 0, 1, 1, 0], 0)).toEqual({ value: 0.6, stderr: 'N/A' });
    expect(aggregate('f1', [...pairs], 0).stderr).toBe('N/A');
    expect(aggregate('perplexity', [-1, -2, -3], 0).stderr).toBe('N/A');
  });

  it('Python random.Random is reproduced (seeding, random(), choices())', () => {
    const r = new PyRandom(0);
    expect(r.random()).toBe(0.8444218515250481);
    expect(r.random()).toBe(0.7579544029403025);
    expect(new PyRandom(1).random()).toBe(0.13436424411240122);
    expect(new PyRandom(2 ** 40 + 5).random()).toBe(0.5043802970418443);
    const c = new PyRandom(3);
    expect(Array.from({ length: 12 }, () => c.choiceIndex(10))).toEqual([2, 5, 3, 6, 6, 0, 0, 8, 2, 2, 9, 4]);
  });

  it('bootstrap stderr equals lm-eval\'s for f1, mcc and perplexity', () => {
    const f1 = (xs: (readonly [number, number])[]) => f1Binary(xs.map((x) => x[0]), xs.map((x) => x[1]));
    expect(bootstrapStderr(f1, [...pairs], 2000)).toBeCloseTo(0.1478921159917432, 12);
    expect(bootstrapStderr(f1, [...pairs], 500)).toBeCloseTo(0.14656507867193247, 12);
    expect(aggregate('matthews_corrcoef', [...pairs], 2000).stderr).toBeCloseTo(0.2909202195690134, 12);
    const lls = [-1.5, -0.25, -3.0, -2.0, -0.75];
    const ppl = aggregate('perplexity', lls, 1500);
    expect(ppl.value).toBeCloseTo(4.4816890703380645, 12);
    expect(ppl.stderr).toBeCloseTo(2.2242465592850826, 12);
  });

  it('word/byte perplexity and bits per byte are weighted by the units; their stderr is N/A', () => {
    const items = [
      [-10, 4],
      [-6, 4],
    ] as const;
    expect(aggregate('weighted_perplexity', [...items], 100)).toEqual({ value: Math.exp(2), stderr: 'N/A' });
    expect(aggregate('bits_per_byte', [...items], 100).value).toBeCloseTo(2 / Math.LN2, 15);
    expect(aggregate('cb_macro_f1', [...pairs], 100).stderr).toBe('N/A');
    expect(aggregate('f1', [[1, 1]], 100).stderr).toBe('N/A'); // a single item has no stderr
  });
});
