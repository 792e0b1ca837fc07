import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { crossEntropy } from '../src/model/loss.js';
import { generate } from '../src/model/generate.js';
import { scoreBatch, scoreNextTokens, scoreTokenSequence } from '../src/model/score.js';
import { ids, maxAbsDiff, microModel } from './helpers.js';

describe('LanguageModel (standard attention)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('counts parameters: embeddings, 4d²+3d per attention, 3·d·ffn per FFN, norms', async () => {
    const m = await microModel();
    const d = 16;
    const expected = 23 * d + 2 * (4 * d * d + 3 * d + 3 * d * 32 + 2 * d) + d;
    expect(m.parameterCount()).toBe(expected);
    expect(m.mixerParameterCounts()).toEqual([4 * d * d + 3 * d, 4 * d * d + 3 * d]);
    m.dispose();
  });

  it('is causal: changing token t+1 never changes logits at ≤ t', async () => {
    const m = await microModel();
    const a = m.logits(ids([[1, 2, 3, 4, 5, 6]])).dataSync();
    const b = m.logits(ids([[1, 2, 3, 4, 9, 9]])).dataSync();
    const V = 23;
    expect(maxAbsDiff(a.slice(0, 4 * V), b.slice(0, 4 * V))).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.slice(4 * V), b.slice(4 * V))).toBeGreaterThan(1e-6);
    m.dispose();
  });

  it('cached decoding equals the full forward', async () => {
    const m = await microModel();
    const seq = [[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]];
    const full = m.logits(ids(seq)).arraySync();
    const state = m.initDecodeState(2);
    const first = m.logits(ids(seq.map((r) => r.slice(0, 3))), { state }).arraySync();
    const rest: number[][][][] = [];
    for (let t = 3; t < 8; t++) rest.push(m.logits(ids(seq.map((r) => [r[t]!])), { state }).arraySync());
    expect(state.length).toBe(8);
    for (let b = 0; b < 2; b++) {
      const stepped = [...first[b]!, ...rest.map((r) => r[b]![0]!)];
      expect(maxAbsDiff(stepped.flat(), full[b]!.flat())).toBeLessThan(1e-4);
    }
    m.disposeDecodeState(state);
    m.dispose();
  });

  it('greedy generation follows the argmax of the full forward', async () => {
    const m = await microModel();
    const prompt = [1, 2, 3];
    const out = await generate(m, prompt, { maxNewTokens: 5 });
    const seq = [...prompt];
    for (let i = 0; i < 5; i++) {
      const logits = m.logits(ids([seq]));
      const last = tf.tidy(() => tf.argMax(tf.squeeze(tf.slice(logits, [0, seq.length - 1, 0], [1, 1, -1]))).dataSync()[0]!);
      logits.dispose();
      seq.push(last);
    }
    expect(out).toEqual(seq.slice(3));
    const sampled = await generate(m, prompt, { maxNewTokens: 5, temperature: 1, topK: 5, seed: 3 });
    expect(await generate(m, prompt, { maxNewTokens: 5, temperature: 1, topK: 5, seed: 3 })).toEqual(sampled);
    m.dispose();
  });

  it('scores every token after the first exactly once, windowed beyond the context', async () => {
    const m = await microModel();
    const tokens = Array.from({ length: 30 }, (_, i) => (i * 7) % 23);
    const windowed = await scoreTokenSequence(m, tokens);
    expect(windowed.scored).toBe(29);
    expect(windowed.windows).toBeGreaterThan(1);
    const short = tokens.slice(0, 10);
    const direct = tf.tidy(() => {
      const logits = tf.reshape(m.logits(ids([short.slice(0, -1)])), [9, 23]) as tf.Tensor2D;
      return crossEntropy(logits, tf.tensor1d(short.slice(1), 'int32')).dataSync()[0]!;
    });
    expect(Math.abs((await scoreTokenSequence(m, short)).meanNll - direct)).toBeLessThan(1e-5);
    const [r] = await scoreBatch(m, [{ tokens: short, scoreFrom: 4 }]);
    expect(r!.logprobs.length).toBe(5);
    m.dispose();
  });

  it('scores one-token continuations of a shared input in one pass, equal to full scoring', async () => {
    const m = await microModel();
    const input = [4, 8, 15, 16];
    const [next] = await scoreNextTokens(m, [{ tokens: input, candidates: [23 - 1, 0, 7] }]);
    const full = await scoreBatch(m, [22, 0, 7].map((c) => ({ tokens: [...input, c], scoreFrom: input.length - 1 })));
    next!.logprobs.forEach((lp, i) => expect(Math.abs(lp - full[i]!.logprobs[0]!)).toBeLessThan(1e-5));
    expect(next!.greedy).toEqual(full.map((r) => r.greedy[0]));
    m.dispose();
  });

  it('rejects bad inputs with clear errors', async () => {
    const m = await microModel();
    expect(() => m.hidden(tf.tensor1d([1, 2], 'int32') as any)).toThrow(/2-D \[batch, length\]/);
    const state = m.initDecodeState(2);
    expect(() => m.hidden(ids([[1, 2]]), { state })).toThrow(/state is for batch 2, but 1/);
    await expect(scoreBatch(m, [{ tokens: [1], scoreFrom: 0 }])).rejects.toThrow(/at least 2 are needed/);
    await expect(scoreBatch(m, [{ tokens: Array(20).fill(1), scoreFrom: 0 }])).rejects.toThrow(/reads at most 12/);
    await expect(generate(m, [], { maxNewTokens: 1 })).rejects.toThrow(/prompt of at least one token/);
    m.dispose();
    expect(() => m.hidden(ids([[1]]))).toThrow(/disposed/);
  });

  it('skip removes the relaxed layers (mixer sublayer or whole block)', async () => {
    const m = await microModel({ layers: ['standard', 'standard'] });
    const base = m.logits(ids([[1, 2, 3]])).dataSync();
    m.skip = 'mixer';
    // every layer is standard: nothing to skip
    expect(maxAbsDiff(m.logits(ids([[1, 2, 3]])).dataSync(), base)).toBe(0);
    m.dispose();
  });
});
