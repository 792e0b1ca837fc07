import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { attentionEntropy, concentration, headDiversity, layerIndicators, localFocus, minMaxNormalise, negativeMass, sink } from '../src/analysis/indicators.js';
import { logitStats } from '../src/analysis/logits.js';
import { analyzeModel } from '../src/analysis/analyze.js';
import { microModel } from './helpers.js';

const L = 4;
const build = (f: (i: number, k: number) => number) => {
  const a = new Float64Array(L * L);
  for (let i = 0; i < L; i++) for (let k = 0; k <= i; k++) a[i * L + k] = f(i, k);
  return a;
};
const uniform = build((i) => 1 / (i + 1)); // causal mean pooling
const identity = build((i, k) => (i === k ? 1 : 0));
const firstColumn = build((_i, k) => (k === 0 ? 1 : 0));
const previous = build((i, k) => (i === 0 ? 1 : k === i - 1 ? 1 : 0)); // each token looks one back

describe('attention indicators on hand-built matrices (docs/model.md §5)', () => {
  it('entropy: Σ_i log(i+1) for uniform rows, 0 for one-hot rows', () => {
    expect(attentionEntropy(uniform, L)).toBeCloseTo(Math.log(1) + Math.log(2) + Math.log(3) + Math.log(4), 10);
    expect(attentionEntropy(identity, L)).toBe(0);
    expect(attentionEntropy(firstColumn, L)).toBe(0);
  });

  it('concentration: the Frobenius norm', () => {
    expect(concentration(identity, L)).toBeCloseTo(2, 10);
    expect(concentration(uniform, L)).toBeCloseTo(Math.sqrt(1 + 1 / 2 + 1 / 3 + 1 / 4), 10);
  });

  it('sink: attention paid to the first token', () => {
    expect(sink(firstColumn, L)).toBe(1);
    expect(sink(identity, L)).toBe(0.25);
    expect(sink(uniform, L)).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, 10);
  });

  it('local focus N: the mean of the N-th sub-diagonal', () => {
    expect([0, 1, 2, 3].map((n) => localFocus(identity, L, n))).toEqual([1, 0, 0, 0]);
    expect(localFocus(previous, L, 1)).toBe(1);
    expect(localFocus(previous, L, 0)).toBe(0.25);
    expect(localFocus(uniform, L, 3)).toBe(0.25);
    expect(localFocus(uniform, L, 1)).toBeCloseTo((1 / 2 + 1 / 3 + 1 / 4) / 3, 10);
  });

  it('head diversity: zero for identical heads, the population std otherwise', () => {
    expect(headDiversity([identity, identity], L)).toBe(0);
    // identity vs first column: they differ at the 6 causal positions (i,0) i>0 and (i,i) i>0 → std 0.5 there, 0 elsewhere
    expect(headDiversity([identity, firstColumn], L)).toBeCloseTo((6 * 0.5) / 10, 10);
    const ind = layerIndicators([identity, firstColumn], L);
    expect(ind.sink).toBeCloseTo((0.25 + 1) / 2, 10);
    expect(ind.localFocus[0]).toBeCloseTo((1 + 0.25) / 2, 10);
  });

  it('negative mass: the mean negative weight per row, 0 for softmax maps; entropy skips negative entries', () => {
    // Rows sum to 1: [1], [1.5, −0.5], [0.5, 0.75, −0.25], [0.25, 0.25, 0.25, 0.25].
    const signed = build((i, k) => [[1], [1.5, -0.5], [0.5, 0.75, -0.25], [0.25, 0.25, 0.25, 0.25]][i]![k]!);
    expect(negativeMass(signed, L)).toBeCloseTo((0.5 + 0.25) / 4, 12);
    expect(negativeMass(uniform, L)).toBe(0);
    const positives = [1.5, 0.5, 0.75, 0.25, 0.25, 0.25, 0.25];
    expect(attentionEntropy(signed, L)).toBeCloseTo(-positives.reduce((a, v) => a + v * Math.log(v), 0), 12);
    expect(layerIndicators([signed, uniform], L).negativeMass).toBeCloseTo(0.75 / 8, 12);
  });

  it('min-max normalisation across models', () => {
    expect(minMaxNormalise([2, 4, 3])).toEqual([0, 1, 0.5]);
    expect(minMaxNormalise([1, 1])).toEqual([0.5, 0.5]);
  });

  it('logit statistics and a histogram that covers values up to 10³', () => {
    const s = logitStats([-2, 0.5, 1, 1500]);
    expect(s).toMatchObject({ count: 4, min: -2, max: 1500, absMax: 1500 });
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(s.histogram.edges.at(-1)!).toBeGreaterThanOrEqual(1500);
  });
});

describe('analyzeModel', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reports row-stochastic-map indicators and logits per layer, none for mlp', async () => {
    await import('@deconattn/attention-mlp');
    const m = await microModel({ layers: ['standard', 'mlp'] });
    const a = await analyzeModel(m, [[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]]);
    expect(a.layers.map((l) => l.mixer)).toEqual(['standard', 'mlp']);
    const std = a.layers[0]!;
    expect(std.indicators!.entropy).toBeGreaterThan(0);
    expect(std.indicators!.entropy).toBeLessThanOrEqual(Math.log(720) + 1e-6); // ≤ uniform rows' Σ log(i+1)
    expect(std.logits!.count).toBe(2 * 2 * 21); // sequences × heads × causal positions
    expect(a.layers[1]!.indicators).toBeNull();
    expect(a.sampleMaps[0]!.length).toBe(2);
    expect(a.sampleMaps[0]![0]!.slice(0, 6).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(std.indicators!.negativeMass).toBe(0);
    m.dispose();
  });

  it("reports the negative mass of approximate's signed map (paper kernel)", async () => {
    await import('@deconattn/attention-approximate');
    const m = await microModel({ layers: ['standard', 'approximate'] });
    // Weights at a scale where the first-order term's negative weights show (0.02 init hides them).
    for (const p of m.namedParams()) if (p.kind === 'linear') tf.tidy(() => p.variable.assign(tf.mul(tf.randomNormal(p.variable.shape, 0, 1, 'float32', 5), 1 / Math.sqrt(p.variable.shape[0]!))));
    m.markWeightsChanged();
    const a = await analyzeModel(m, [[1, 2, 3, 4, 5, 6, 7, 8]]);
    const approx = a.layers[1]!.indicators!;
    expect(approx.negativeMass).toBeGreaterThan(0);
    // Rows of the sample map still sum to 1 (8 positions, first head, last row).
    expect(a.sampleMaps[1]![0]!.slice(56, 64).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
    m.dispose();
  });
});
