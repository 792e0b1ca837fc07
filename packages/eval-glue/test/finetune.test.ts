/**
 * Fine-tuning: segment encoding and the held-out split, a tiny @deconattn/hybrid LanguageModel
 * learning a toy task through hybrid's createFeatureModel, and two vendored tasks end to end.
 */
// The file-system loader, installed as the default (as `@deconattn/eval-glue/node` does).
import '../src/node.js';
import * as tf from '@tensorflow/tfjs-core';
import '@deconattn/attention-standard';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import { LanguageModel, byteTokenizer, createFeatureModel } from '@deconattn/hybrid';
import type { FeatureModel } from '@deconattn/core';
import { encodeSegments } from '../src/finetune/examples.js';
import { finetune, splitHeldOut } from '../src/finetune/finetune.js';
import type { TaskSpec } from '../src/spec.js';

const chars = { encode: (s: string) => Array.from(s, (c) => c.codePointAt(0)!), decode: (ids: number[]) => String.fromCodePoint(...ids), bosId: 0, eosId: 0, kind: 'chars' };

describe('examples', () => {
  it('joins segments with EOS and truncates the longest segment first', () => {
    const ids = (s: string) => chars.encode(s);
    expect(encodeSegments(chars, ['abcdef', 'xy'], 7)).toEqual([...ids('abc'), 0, ...ids('xy'), 0]);
    expect(encodeSegments(chars, ['abcdef', 'uvwxyz'], 8)).toEqual([...ids('abc'), 0, ...ids('uvw'), 0]);
    expect(encodeSegments(chars, ['ab'], 8)).toEqual([...ids('ab'), 0]);
    expect(() => encodeSegments(chars, ['a', 'b'], 1)).toThrow(/maxSeqLength/);
  });

  it('the held-out slice is seeded, disjoint, and keeps groups together', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ i, q: `q${Math.floor(i / 5)}` }));
    const a = splitHeldOut(items, (x) => x.q, 0.2, 1000, 3);
    const b = splitHeldOut(items, (x) => x.q, 0.2, 1000, 3);
    expect(a).toEqual(b);
    expect(a.heldOut.length).toBe(10);
    expect(a.train.length + a.heldOut.length).toBe(50);
    const heldQ = new Set(a.heldOut.map((x) => x.q));
    expect(a.train.some((x) => heldQ.has(x.q))).toBe(false);
    expect(splitHeldOut(items, (x) => x.q, 0.2, 1000, 4).heldOut).not.toEqual(a.heldOut);
    expect(splitHeldOut(items, (_, i) => String(i), 0.5, 7, 0).heldOut.length).toBe(7);
  });
});

describe('finetune() with a tiny LanguageModel', () => {
  let lm: LanguageModel;
  let fm: FeatureModel;
  const dir = mkdtempSync(join(tmpdir(), 'eval-glue-ft-'));
  afterAll(() => {
    lm?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    // wasm: about 20× the cpu backend on these small matmuls.
    await useBackend('wasm');
    lm = await LanguageModel.create({
      config: { hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, vocabSize: 257, maxPositions: 48, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true },
      plan: { preset: 'uniform', mixer: 'standard' },
      seed: 1,
    });
    fm = await createFeatureModel(lm, byteTokenizer());
  });

  const weightsSum = async () => {
    let s = 0;
    for (const p of fm.params()) {
      const t = tf.tidy(() => tf.sum(tf.abs(p.variable)));
      s += (await t.data())[0]!;
      t.dispose();
    }
    return s;
  };

  it('learns a separable toy task (best step chosen on the held-out slice), restores the pre-trained weights, leaks no tensor', async () => {
    const pos = ['good', 'great', 'fine', 'nice'];
    const neg = ['bad', 'awful', 'poor', 'sad'];
    const frames = ['it was X', 'so X', 'the film is X', 'a X day', 'X indeed', 'very X', 'truly X', 'X, I said'];
    const rows = (f: string[]) =>
      f.flatMap((fr) => [...pos.map((w) => ({ sentence: fr.replace('X', w), label: 1 })), ...neg.map((w) => ({ sentence: fr.replace('X', w), label: 0 }))]);
    mkdirSync(join(dir, 'toy'), { recursive: true });
    writeFileSync(join(dir, 'toy/train.jsonl'), rows(frames.slice(0, 6)).map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'toy/val.jsonl'), rows(frames.slice(6)).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const data = (f: string) => ({ location: 'dataDir' as const, files: [f], reader: 'jsonl' as const, fields: { sentence: 'sentence', label: { type: 'int' as const } }, format: '{sentence, label}' });
    const toy: TaskSpec = {
      task: 'toy_sentiment',
      version: 0,
      tags: [],
      groups: [],
      dataset: { path: 'toy', name: null },
      licence: 'test data',
      score: ['acc'],
      finetune: { train: data('toy/train.jsonl'), validation: data('toy/val.jsonl'), kind: 'classify', inputs: ['{{sentence}}'], label: 'label', numLabels: 2, metrics: ['acc'] },
    };
    const before = await weightsSum();
    const tensors = tf.memory().numTensors;
    const progress: number[] = [];
    const out = await finetune(fm, { tasks: [toy], dataDir: dir, epochs: 8, batchSize: 8, learningRate: 1e-2, weightDecay: 0, heldOutFraction: 0.2, patience: 4, seed: 0, bootstrapIters: 0, onProgress: (p) => p.loss !== undefined && progress.push(p.loss) });
    const r = out.results.results.toy_sentiment!;
    expect(r['acc,none']).toBeGreaterThanOrEqual(0.9);
    expect(out.reports[0]).toMatchObject({ task: 'toy_sentiment', trainExamples: 38, heldOutExamples: 10, validationExamples: 16 });
    expect(out.reports[0]!.bestHeldOutScore).toBeGreaterThanOrEqual(0.75);
    expect(progress.at(-1)!).toBeLessThan(progress[0]!);
    expect(out.results.config.model).toBe('deconattn');
    expect(out.results.configs.toy_sentiment).toMatchObject({ protocol: 'finetune', head: 'classify', n_train: 38, n_held_out: 10 });
    expect((out.results.deconattn as { protocol: string }).protocol).toBe('finetune');
    expect(await weightsSum()).toBeCloseTo(before, 3);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('two vendored tasks (CoLA classification, COPA choice) end to end', async () => {
    const tensors = tf.memory().numTensors;
    const out = await finetune(fm, { tasks: ['cola', 'copa'], trainLimit: 16, limit: 8, epochs: 1, batchSize: 8, learningRate: 1e-3, heldOutMax: 8, seed: 2, bootstrapIters: 100 });
    const r = out.results;
    expect(typeof r.results.cola!['mcc,none']).toBe('number');
    expect(r.results.copa!['acc,none']).toBeGreaterThanOrEqual(0);
    expect(r['n-samples']).toEqual({ cola: { original: 1043, effective: 8 }, copa: { original: 100, effective: 8 } });
    expect(r.versions).toEqual({ cola: 1, copa: 1 });
    expect(r.configs.copa).toMatchObject({ head: 'choice', num_outputs: 1, train_files: ['copa/train.jsonl'] });
    expect(out.reports.map((x) => [x.task, x.trainExamples, x.heldOutExamples])).toEqual([
      ['cola', 16, 8],
      ['copa', 16, 8],
    ]);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('frozen backbone over the glue group: STS-B regression and the GLUE average', async () => {
    const out = await finetune(fm, { tasks: ['glue'], trainLimit: 16, limit: 8, epochs: 2, batchSize: 8, learningRate: 1e-2, freezeBackbone: true, heldOutMax: 8, bootstrapIters: 0 });
    const r = out.results.results;
    expect(out.results.group_subtasks.glue).toEqual(['cola', 'mrpc', 'rte', 'sst2', 'stsb']);
    expect(Object.keys(r.stsb!)).toEqual(['alias', 'pearson,none', 'pearson_stderr,none', 'spearmanr,none', 'spearmanr_stderr,none']);
    const v = (t: string, m: string) => r[t]![`${m},none`] as number;
    const score = (v('cola', 'mcc') + (v('mrpc', 'acc') + v('mrpc', 'f1')) / 2 + v('rte', 'acc') + v('sst2', 'acc') + (v('stsb', 'pearson') + v('stsb', 'spearmanr')) / 2) / 5;
    expect(out.results.groups.glue!['score,none']).toBeCloseTo(score, 12);
    const skipped = (out.results.deconattn as { skipped_tasks: { task: string }[] }).skipped_tasks.map((x) => x.task).sort();
    expect(skipped).toEqual(['mnli', 'mnli_mismatch', 'qnli', 'qqp', 'wnli']);
  });
});
