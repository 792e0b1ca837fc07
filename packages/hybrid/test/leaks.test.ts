import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDirectoryStore, useBackend } from '../src/node.js';
import { Trainer } from '../src/train/trainer.js';
import { generate } from '../src/model/generate.js';
import { splitTokens } from '../src/data/index.js';
import { ALL_MIXERS, createModel, scaleWeights } from './numerics-helpers.js';

/**
 * No leaks: tf.memory() — live tensors and their bytes — stays exactly flat over training steps
 * (with held-out evaluations and checkpoint saves among them) for every mixer, and over repeated
 * generate calls. CI runs 200 steps per mixer; `pnpm test:leaks` runs 1,000
 * (DECONATTN_LEAK_STEPS) and also requires the process's RSS to grow by less than 5 % after
 * warm-up (DECONATTN_LEAK_RSS=1; RSS is too noisy to judge in a shared CI run).
 */
const STEPS = Number(process.env.DECONATTN_LEAK_STEPS || 200);
const CHECK_RSS = process.env.DECONATTN_LEAK_RSS === '1';
const WARMUP = 10;
const GENERATE_CALLS = 100;

const data = splitTokens(Int32Array.from({ length: 2000 }, (_, i) => (i * 7 + (i >> 3)) % 29), 0.2);
const memory = () => ({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes });
const gc = () => (globalThis as { gc?: () => void }).gc?.();

describe('tensor memory stays flat', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-leaks-'));
  const rss: string[] = [];
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (rss.length) console.log(`RSS after warm-up → end:\n  ${rss.join('\n  ')}`);
  });

  for (const id of ALL_MIXERS) {
    it(`${id}: ${STEPS} training steps, with evaluations and checkpoint saves`, async () => {
      const model = await createModel(id);
      scaleWeights(model, 11, 1);
      const t = new Trainer(model, data, { steps: STEPS, batchSize: 2, seqLen: 8, lr: 3e-3, warmupSteps: 5, weightDecay: 0.1, accumSteps: 2, seed: 1, evalInterval: 0, evalWindows: 2, logInterval: 1 }, { tokenizer: { kind: 'byte' }, store: runDirectoryStore(path.join(dir, id)) });
      // Two phases, each compared with itself: right after a step, and after an evaluation and a
      // save (the inference cache of a fixed stream lives from an evaluation to the next update).
      const every = Math.max(2, Math.floor(STEPS / 8));
      let afterStep: ReturnType<typeof memory> | undefined;
      let afterEval: ReturnType<typeof memory> | undefined;
      let rssBase = 0;
      const drift: string[] = [];
      const compare = (phase: string, base: ReturnType<typeof memory>, s: number) => {
        const now = memory();
        if (now.tensors !== base.tensors || now.bytes !== base.bytes) drift.push(`${phase}, step ${s}: ${now.tensors - base.tensors} tensors, ${now.bytes - base.bytes} bytes`);
      };
      for (let s = 1; s <= STEPS; s++) {
        const { loss } = await t.trainStep();
        expect(Number.isFinite(loss)).toBe(true);
        if (s === WARMUP) {
          afterStep = memory();
          gc();
          rssBase = process.memoryUsage().rss;
        } else if (afterStep && s % every === Math.floor(every / 2)) compare('after a step', afterStep, s);
        if (s % every === 0) {
          await t.evaluate();
          await t.checkpoint();
          if (!afterEval) afterEval = memory();
          else compare('after an evaluation', afterEval, s);
        }
      }
      expect(afterStep && afterEval).toBeTruthy();
      expect(drift).toEqual([]);
      if (CHECK_RSS) {
        gc();
        const growth = process.memoryUsage().rss / rssBase - 1;
        rss.push(`${id}: ${(rssBase / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (${(growth * 100).toFixed(1)} %)`);
        expect(growth, `${id}: RSS growth after warm-up`).toBeLessThan(0.05);
      }
      t.dispose();
      model.dispose();
    });
  }

  for (const id of ALL_MIXERS) {
    it(`${id}: ${GENERATE_CALLS} generate calls`, async () => {
      const model = await createModel(id);
      scaleWeights(model, 11, 1);
      await generate(model, [1, 2, 3], { maxNewTokens: 3, temperature: 0.8, topK: 5, seed: 0 });
      const base = memory();
      for (let i = 0; i < GENERATE_CALLS; i++) {
        const out = await generate(model, [1 + (i % 7), 2, 3], { maxNewTokens: 3, temperature: i % 2 ? 0 : 0.8, topK: i % 3, seed: i });
        expect(out.length).toBe(3);
      }
      expect(memory()).toEqual(base);
      model.dispose();
    });
  }
});
