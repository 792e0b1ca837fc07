/**
 * The real model side: @deconattn/hybrid's createScorer is a ScoringModel. Long prompts are left
 * truncated to maxLength + 1 tokens and WikiText is scored in full windows; the scores equal a
 * direct teacher-forced computation with the model.
 */
// The file-system loader, installed as the default (as `@deconattn/eval-glue/node` does).
import '../src/node.js';
import * as tf from '@tensorflow/tfjs-core';
import '@deconattn/attention-standard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import { LanguageModel, byteTokenizer, createFeatureModel, createScorer } from '@deconattn/hybrid';
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

  it('typed task outcomes carry the values, stderrs, counts and directions of the lm-eval JSON; a skipped group member says why', async () => {
    const out = await evaluate(scorer, { tasks: ['lambada_openai', 'glue'], limit: 3, bootstrapIters: 50 });
    const json = out.results;
    const evaluated = out.tasks.filter((t) => t.evaluated);
    // Every task in the JSON (groups aside) has exactly one typed outcome, and back.
    expect(evaluated.map((t) => t.task).sort()).toEqual(Object.keys(json.results).filter((k) => !(k in json.groups)).sort());
    for (const t of evaluated) {
      const row = json.results[t.task]!;
      expect(t.n).toBe(json['n-samples'][t.task]!.effective);
      expect(t.original).toBe(json['n-samples'][t.task]!.original);
      // The headline is the first metric of the task file, and is listed first.
      expect(t.metric).toBe(t.metrics[0]!.metric);
      expect(t.value).toBe(t.metrics[0]!.value);
      for (const m of t.metrics) {
        const v = row[`${m.metric},none`];
        if (v === null) expect(Number.isFinite(m.value)).toBe(false);
        else expect(m.value).toBe(v);
        const se = row[`${m.metric}_stderr,none`];
        expect(m.stderr).toBe(typeof se === 'number' ? se : null);
        expect(m.higherIsBetter).toBe(json.higher_is_better[t.task]![m.metric]);
      }
    }
    const lambada = evaluated.find((t) => t.task === 'lambada_openai')!;
    expect(lambada.metric).toBe('perplexity');
    expect(lambada.higherIsBetter).toBe(false);
    expect(lambada.value).toBeGreaterThan(1);
    expect(lambada.metrics.map((m) => m.metric)).toEqual(['perplexity', 'acc']);
    expect(evaluated.find((t) => t.task === 'cola')!.metric).toBe('mcc');
    // GLUE members without vendored data (mnli, qqp, wnli) are skipped, with the reason.
    const skipped = out.tasks.filter((t) => !t.evaluated);
    const recorded = json.deconattn as { skipped_tasks: { task: string; reason: string }[] };
    expect(skipped.map((t) => [t.task, t.evaluated ? '' : t.reason])).toEqual(recorded.skipped_tasks.map((s) => [s.task, s.reason]));
    expect(skipped.map((t) => t.task)).toContain('mnli');
  });

  it("createFeatureModel: the same checksum as the scorer, and weight decay on exactly the weight matrices and embeddings", async () => {
    const fm = await createFeatureModel(lm, byteTokenizer());
    expect(fm.checksum).toBe(scorer.checksum);
    expect(fm.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(fm.hiddenSize).toBe(16);
    // Independent of the parameter kinds: by checkpoint name, norms' scales do not decay, projections and the embedding do.
    const byVariable = new Map(lm.namedParams().map((p) => [p.variable, p.name]));
    const flags = fm.params().map((p) => [byVariable.get(p.variable)!, p.decay] as const);
    expect(flags.length).toBeGreaterThan(5);
    for (const [name, decay] of flags) expect([name, decay]).toEqual([name, !/norm\.weight$|bias$/.test(name)]);
    expect(flags.some(([n, d]) => n === 'model.embed_tokens.weight' && d)).toBe(true);
    expect(flags.some(([n, d]) => /norm\.weight$/.test(n) && !d)).toBe(true);
  });
});
