/**
 * The real model side: @deconattn/hybrid's createScorer is a ScoringModel. Long prompts are left
 * truncated to maxLength + 1 tokens and WikiText is scored in full windows; the scores equal a
 * direct teacher-forced computation with the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@deconattn/attention-standard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import { LanguageModel, byteTokenizer, createScorer } from '@deconattn/hybrid';
import { evaluate } from '../src/evaluate.js';
import type { ScoringModel } from '../src/model.js';

describe('evaluate() with a tiny LanguageModel', () => {
  let lm: LanguageModel;
  let scorer: ScoringModel;
  beforeAll(async () => {
    await useBackend('wasm');
    lm = await LanguageModel.create({
      config: { hiddenSize: 16, intermediateSize: 32, numLayers: 1, numHeads: 2, vocabSize: 257, maxPositions: 32, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true },
      plan: { preset: 'uniform', mixer: 'standard' },
      seed: 3,
    });
    scorer = await createScorer(lm, byteTokenizer());
  });
  afterAll(() => lm?.dispose());

  it('boolq (truncated contexts), copa and wikitext windows; a log-likelihood checked against the model', async () => {
    const out = await evaluate(scorer, { tasks: ['boolq', 'copa', 'wikitext'], limit: 2, logSamples: true, bootstrapIters: 0 });
    const r = out.results.results;
    for (const v of [r.boolq!['acc,none'], r.copa!['acc,none'], r.wikitext!['word_perplexity,none'], r.wikitext!['bits_per_byte,none']]) expect(Number.isFinite(v)).toBe(true);
    expect(out.results.max_length).toBe(32);

    // COPA doc 0, choice 0, by hand: bytes of context + continuation, last 33 tokens, log-softmax.
    const s = out.samples.find((x) => x.task === 'copa' && x.doc_id === 0)!;
    const tok = byteTokenizer();
    const all = tok.encode(s.context + s.continuations[0]!);
    const contLen = tok.encode(s.continuations[0]!).length;
    const seq = all.slice(-33);
    const direct = tf.tidy(() => {
      const logits = lm.logits(tf.tensor2d([seq.slice(0, -1)], [1, seq.length - 1], 'int32'));
      const logp = tf.logSoftmax(tf.reshape(logits, [seq.length - 1, 257]));
      const rows = logp.arraySync() as number[][];
      let sum = 0;
      for (let i = seq.length - 1 - contLen; i < seq.length - 1; i++) sum += rows[i]![seq[i + 1]!]!;
      return sum;
    });
    expect(s.loglikelihoods[0]).toBeCloseTo(direct, 3);
  });
});
