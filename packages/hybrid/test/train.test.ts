import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_MIXER_SPEC_VERSION, registerMixer } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import { runDirectoryStore } from '../src/node.js';
import { Trainer, NonFiniteLossError, type TrainOptions } from '../src/train/trainer.js';
import { learningRate } from '../src/train/schedule.js';
import { LanguageModel } from '../src/model/model.js';
import { PRESETS } from '../src/model/config.js';
import { splitTokens, tokenizeCorpus } from '../src/data/index.js';
import { bundledCorpus } from '../src/node.js';
import { byteTokenizer } from '../src/tokenizer/index.js';
import { microModel } from './helpers.js';

const opts = (o: Partial<TrainOptions> = {}): TrainOptions => ({
  steps: 6,
  batchSize: 2,
  seqLen: 8,
  lr: 1e-2,
  warmupSteps: 2,
  weightDecay: 0.1,
  seed: 1,
  evalInterval: 3,
  evalWindows: 2,
  logInterval: 1,
  ...o,
});

const data = () => {
  const tokens = Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % 23);
  return splitTokens(tokens, 0.25);
};

describe('training', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('warm-up then cosine decay', () => {
    const s = { peak: 1, min: 0.1, warmup: 10, total: 110 };
    expect(learningRate(0, s)).toBeCloseTo(0.1);
    expect(learningRate(9, s)).toBeCloseTo(1);
    expect(learningRate(60, s)).toBeCloseTo(0.55);
    expect(learningRate(110, s)).toBeCloseTo(0.1);
  });

  it('keeps tf.memory().numTensors flat across training steps', async () => {
    const m = await microModel();
    const t = new Trainer(m, data(), opts({ steps: 8, accumSteps: 2 }), { tokenizer: { kind: 'byte' } });
    await t.trainStep();
    await t.trainStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await t.trainStep();
    await t.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    m.dispose();
  });

  it('is reproducible: same seed, same losses', async () => {
    const run = async () => {
      const m = await microModel();
      const t = new Trainer(m, data(), opts(), { tokenizer: { kind: 'byte' } });
      const losses = (await t.run()).map((l) => l.loss);
      t.dispose();
      m.dispose();
      return losses;
    };
    expect(await run()).toEqual(await run());
  });

  it('the tiny preset\'s loss falls on the bundled corpus', async () => {
    const tok = byteTokenizer();
    const split = splitTokens(tokenizeCorpus(tok, bundledCorpus()));
    const m = await LanguageModel.create({ config: PRESETS.tiny!.model, plan: { preset: 'uniform', mixer: 'standard' }, seed: 0 });
    const t = new Trainer(m, split, { ...PRESETS.tiny!.train, steps: 40, warmupSteps: 4, evalInterval: 40, evalWindows: 4, seed: 0 }, { tokenizer: tok.toConfig() });
    const logs = await t.run();
    const first = logs[0]!.loss;
    const last = logs[logs.length - 1]!;
    expect(first).toBeGreaterThan(5); // ≈ ln 257 at initialisation
    expect(last.loss).toBeLessThan(first - 1.5);
    expect(last.valLoss!).toBeLessThan(first - 1.5);
    t.dispose();
    m.dispose();
  });

  it('detects a non-finite loss, reports it, and never saves it', async () => {
    registerMixer({
      specificationVersion: TOKEN_MIXER_SPEC_VERSION,
      id: 'test-nan',
      role: 'relaxed',
      packageName: '@test/nan',
      packageVersion: '0.0.0',
      principle: 'test',
      description: 'returns NaN',
      decoding: 'none',
      hasAttentionMap: false,
      defaultOptions: {},
      parseOptions: () => ({}),
      needs: () => ({}),
      create: () => ({ id: 'test-nan', options: {}, params: () => [], initState: () => ({ length: 0, tensors: {} }), apply: (hn) => tf.mul(hn, NaN) as tf.Tensor3D }),
    });
    const m = await microModel({ layers: ['standard', 'test-nan'] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-nan-'));
    const t = new Trainer(m, data(), opts({ checkpointInterval: 1 }), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    await expect(t.run()).rejects.toThrow(NonFiniteLossError);
    await expect(t.trainStep()).rejects.toThrow(/loss at step 1 is NaN/);
    expect(fs.existsSync(path.join(dir, 'checkpoints'))).toBe(false);
    t.dispose();
    m.dispose();
  });

  it('writes metrics.jsonl with step, loss, val loss, lr, grad norm, tokens/s, backend and live tensors', async () => {
    const m = await microModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-metrics-'));
    const t = new Trainer(m, data(), opts(), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    await t.run();
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(6);
    expect(Object.keys(lines[2])).toEqual(expect.arrayContaining(['step', 'loss', 'valLoss', 'lr', 'gradNorm', 'tokensPerSec', 'msPerStep', 'backend', 'tensors']));
    expect(lines[2].backend).toBe('wasm');
    t.dispose();
    m.dispose();
  });
});
