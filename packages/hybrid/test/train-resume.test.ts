import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeconattnError } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import { runDirectoryStore } from '../src/node.js';
import { Trainer, type TrainOptions } from '../src/train/trainer.js';
import { trainRun } from '../src/node.js';
import { stepDir } from '../src/checkpoint/checkpoint.js';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, saveRunCheckpoint } from '../src/node.js';
import { splitTokens } from '../src/data/index.js';
import type { Preset } from '../src/model/config.js';
import { microConfig, microModel } from './helpers.js';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-${p}-`));
const data = () => splitTokens(Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % 23), 0.25);
const opts = (o: Partial<TrainOptions>): TrainOptions => ({ steps: 4, batchSize: 2, seqLen: 8, lr: 1e-2, warmupSteps: 1, weightDecay: 0.1, seed: 3, evalInterval: 0, logInterval: 1, ...o });
const metricSteps = (dir: string) =>
  fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);

/** A byte-tokenizer micro preset: trainRun end to end in well under a second. */
const micro: Preset = {
  name: 'micro-test',
  description: 'test',
  model: { ...microConfig, vocabSize: 257 },
  tokenizer: { kind: 'byte' },
  train: { batchSize: 2, seqLen: 8, steps: 2, lr: 1e-2, warmupSteps: 1, weightDecay: 0.1, evalInterval: 0, logInterval: 1 },
};

describe('resuming a training run', () => {
  let corpus: string;
  beforeAll(async () => {
    await useBackend('wasm');
    corpus = path.join(tmp('corpus'), 'text.txt');
    fs.writeFileSync(corpus, 'To be, or not to be, that is the question: whether tis nobler in the mind to suffer.\n'.repeat(4));
  });

  it('metrics.jsonl holds each step once after a run killed past its last checkpoint', async () => {
    const dir = tmp('metrics');
    const m1 = await microModel();
    const a = new Trainer(m1, data(), opts({ checkpointInterval: 2 }), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    await a.run();
    a.dispose();
    m1.dispose();
    expect(metricSteps(dir)).toEqual([1, 2, 3, 4]);
    // Killed during the final save: steps 3 and 4 were logged but only step 2's checkpoint is complete.
    fs.rmSync(stepDir(dir, 4), { recursive: true });
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step": 5, "lo'); // and a torn last line
    const ck = await loadCheckpoint(dir);
    const b = new Trainer(ck.model, data(), opts({ checkpointInterval: 2 }), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    b.restore(ck);
    await b.run();
    expect(metricSteps(dir)).toEqual([1, 2, 3, 4]);
    b.dispose();
    ck.model.dispose();
  });

  it('refuses to resume with optimisation settings that change the loss curve (accumulation, warm-up, weight decay, clipping)', async () => {
    const dir = tmp('identity');
    const first = await trainRun({ preset: micro, plan: { preset: 'uniform', mixer: 'standard' }, corpusFiles: [corpus], outDir: dir, train: { checkpointInterval: 1 } });
    first.model.dispose();
    for (const train of [{ accumSteps: 2 }, { warmupSteps: 0 }, { weightDecay: 0 }, { gradClip: 0.5 }, { minLr: 0 }, { cosineSteps: 100 }]) {
      await expect(trainRun({ preset: micro, plan: { preset: 'uniform', mixer: 'standard' }, corpusFiles: [corpus], outDir: dir, resume: true, train: { checkpointInterval: 1, ...train } })).rejects.toThrow(/Cannot resume .* different settings/);
    }
    // The same settings (defaults spelled out) resume.
    const again = await trainRun({ preset: micro, plan: { preset: 'uniform', mixer: 'standard' }, corpusFiles: [corpus], outDir: dir, resume: true, train: { checkpointInterval: 1, accumSteps: 1, gradClip: 1, cosineSteps: 2 } });
    expect(again.resumedFromStep).toBe(2);
    again.model.dispose();
  });

  it('a checkpoint that cannot be resumed leaves no tensors behind', async () => {
    const dir = tmp('noresume');
    const m = await microModel({ preset: 'uniform', mixer: 'standard' }, { vocabSize: 257 });
    await saveCheckpoint(stepDir(dir, 1), m, { tokenizer: { kind: 'byte' } }); // weights only: no trainer state
    m.dispose();
    const before = tf.memory().numTensors;
    const err = await trainRun({ preset: micro, plan: { preset: 'uniform', mixer: 'standard' }, corpusFiles: [corpus], outDir: dir, resume: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DeconattnError);
    expect(err.message).toMatch(/no trainer\/optimizer state/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the next save removes what saves killed half-way left behind, and keeps the newest two', async () => {
    const dir = tmp('leftovers');
    const m = await microModel();
    await saveRunCheckpoint(dir, 1, m, { tokenizer: { kind: 'byte' } });
    const torn = path.join(dir, 'checkpoints', '.step-0000002.tmp-abc123');
    fs.mkdirSync(torn);
    fs.writeFileSync(path.join(torn, 'model.safetensors'), 'half');
    fs.mkdirSync(path.join(dir, 'checkpoints', '.step-0000002.tmp-abc123.old'));
    await saveRunCheckpoint(dir, 2, m, { tokenizer: { kind: 'byte' } });
    await saveRunCheckpoint(dir, 3, m, { tokenizer: { kind: 'byte' } });
    expect(fs.readdirSync(path.join(dir, 'checkpoints')).sort()).toEqual(['step-0000002', 'step-0000003']);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([3, 2]);
    m.dispose();
  });

  it('a trainer releases every tensor it made (optimizer moments included)', async () => {
    const m = await microModel();
    const before = tf.memory().numTensors;
    const t = new Trainer(m, data(), opts({}), { tokenizer: { kind: 'byte' } });
    await t.trainStep();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('rejects gradient accumulation below one micro-batch (it would train on nothing)', async () => {
    const m = await microModel();
    for (const accumSteps of [0, 1.5, NaN]) {
      expect(() => new Trainer(m, data(), opts({ accumSteps }), { tokenizer: { kind: 'byte' } })).toThrow(/accumSteps .*must be an integer ≥ 1, got/);
    }
    m.dispose();
  });
});
