import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { TaskModel, TaskRandom, batchRows, buildTaskData, evaluateSplit, maskedCrossEntropy, measureDecodingState, paperDecodingState, runCell, trainTaskModel, type SyntheticModelSize } from '../src/index.js';

const MICRO: SyntheticModelSize = { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2 };
const RELAXED = ['mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'];

beforeAll(async () => {
  await useBackend('wasm');
});

describe('masked cross-entropy', () => {
  it('matches a Float64 plain-loop reference in value and gradient, and ignores unscored rows', async () => {
    const rng = new TaskRandom(3);
    const [n, v] = [7, 5];
    // Logits of spread ±6: far from uniform, where a wrong softmax or mask shows.
    const z = Array.from({ length: n * v }, () => (rng.next() - 0.5) * 12);
    const t = Array.from({ length: n }, () => rng.int(v));
    const w = [1, 0, 1, 1, 0, 1, 1];
    let loss = 0;
    const grad = new Float64Array(n * v);
    const W = w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      const row = z.slice(i * v, (i + 1) * v);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
      loss += (w[i]! * (lse - row[t[i]!]!)) / W;
      for (let j = 0; j < v; j++) grad[i * v + j] = (w[i]! * (Math.exp(row[j]! - lse) - (j === t[i] ? 1 : 0))) / W;
    }
    const logits = tf.tensor2d(z, [n, v]);
    const targets = tf.tensor1d(t, 'int32');
    const weights = tf.tensor1d(w, 'float32');
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor2D, targets, weights))([logits]);
    expect(Math.abs((await value.data())[0]! - loss) / loss).toBeLessThan(1e-5);
    const g = await grads[0]!.data();
    for (let i = 0; i < n * v; i++) expect(Math.abs(g[i]! - grad[i]!)).toBeLessThan(1e-5);
    for (let j = 0; j < v; j++) expect(Math.abs(g[1 * v + j]!)).toBe(0);
    tf.dispose([logits, targets, weights, value, ...grads]);
  });

  it('is 0 with no gradient when no position is scored', async () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => maskedCrossEntropy(l as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'), tf.tensor1d([0, 0])))([x]);
    expect((await value.data())[0]).toBe(0);
    expect(Array.from(await grads[0]!.data(), Math.abs)).toEqual([0, 0, 0, 0]);
    tf.dispose([x, value, ...grads]);
  });
});

describe('training loop', () => {
  it('walks the split epoch by epoch, each batch a pure function of seed and step', () => {
    const seen: number[] = [];
    for (let s = 0; s < 5; s++) seen.push(...batchRows(10, 4, 7, s));
    // 20 draws over 10 rows: two full epochs, each a permutation.
    expect([...seen.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...seen.slice(10, 20)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batchRows(10, 4, 7, 3)).toEqual(seen.slice(12, 16));
    expect(batchRows(10, 4, 8, 3)).not.toEqual(seen.slice(12, 16));
  });

  it('keeps the tensor count flat across steps and evaluations (next-token and reconstruct heads)', async () => {
    for (const task of ['mqar', 'compression']) {
      const data = buildTaskData({ task, rung: 'r0', seed: 0, sizes: { train: 64, val: 16, test: 16 } });
      const model = await TaskModel.create(data, { preset: 'hybrid', mixer: 'approximate' }, MICRO, 0);
      await trainTaskModel(model, data.train, { steps: 2, batchSize: 8 }, 0);
      await evaluateSplit(model, data.test, 8);
      const before = tf.memory().numTensors;
      await trainTaskModel(model, data.train, { steps: 3, batchSize: 8 }, 0);
      await evaluateSplit(model, data.test, 8);
      expect(tf.memory().numTensors, task).toBe(before);
      model.dispose();
    }
  });

  it('lowers the masked loss and reaches well above chance on the scored positions', async () => {
    const data = buildTaskData({ task: 'selective-copying', rung: 'r0', seed: 1, sizes: { train: 512, val: 32, test: 64 } });
    const model = await TaskModel.create(data, { preset: 'uniform', mixer: 'standard' }, MICRO, 1);
    const first = await evaluateSplit(model, data.test);
    await trainTaskModel(model, data.train, { steps: 60, batchSize: 32, lr: 1e-2 }, 1);
    const after = await evaluateSplit(model, data.test);
    expect(after.loss).toBeLessThan(first.loss - 0.2);
    expect(after.n).toBe(64 * 4);
    expect(after.correct.reduce((a, b) => a + b, 0) / after.n).toBeCloseTo(after.accuracy, 12);
    model.dispose();
  });

  it('rejects bad options with one line naming the option', async () => {
    const data = buildTaskData({ task: 'mqar', rung: 'r0', seed: 0, sizes: { train: 16, val: 8, test: 8 } });
    const model = await TaskModel.create(data, { preset: 'uniform', mixer: 'standard' }, MICRO, 0);
    await expect(trainTaskModel(model, data.train, { steps: 0 }, 0)).rejects.toThrow(/'steps' must be a positive integer, got 0/);
    await expect(trainTaskModel(model, data.train, { lr: -1 }, 0)).rejects.toThrow(/'lr' must be a finite number ≥ 0, got -1/);
    model.dispose();
  });
});

describe('models of a comparison', () => {
  it('have equal parameter counts (mlp within the residual of an integer inner width)', async () => {
    const data = buildTaskData({ task: 'mqar', rung: 'r0', seed: 0, sizes: { train: 8, val: 8, test: 8 } });
    const standard = await TaskModel.create(data, { preset: 'uniform', mixer: 'standard' }, undefined, 0);
    const n = standard.parameterCount();
    standard.dispose();
    for (const m of RELAXED) {
      for (const preset of ['uniform', 'hybrid'] as const) {
        const model = await TaskModel.create(data, { preset, mixer: m }, undefined, 0);
        const diff = Math.abs(model.parameterCount() - n);
        if (m === 'mlp') expect(diff / n, `${preset} mlp`).toBeLessThan(0.002);
        else expect(diff, `${preset} ${m}`).toBe(0);
        model.dispose();
      }
    }
  });

  it('keep while decoding what the paper says each mixer keeps', async () => {
    const data = buildTaskData({ task: 'mqar', rung: 'r0', seed: 0, sizes: { train: 8, val: 8, test: 8 } });
    const [d, h, L] = [MICRO.hiddenSize, MICRO.numHeads, data.format.seqLen];
    for (const m of ['standard', ...RELAXED]) {
      const model = await TaskModel.create(data, { preset: 'uniform', mixer: m }, MICRO, 0);
      const measured = measureDecodingState(model.lm, [L / 2, L]);
      for (const layer of measured) {
        if (m === 'approximate') {
          // Recurrent: a constant state. Its size depends on the kernel option (the paper's
          // Eq. 14–17 keep 3d + 2d²/h numbers; Based's feature map keeps h·(1 + dh + dh²)·(dh + 1)).
          expect(layer.perToken).toBe(0);
          expect(layer.constant).toBeGreaterThanOrEqual(paperDecodingState(m, d, h, L, 1)!);
          continue;
        }
        const at = (len: number) => layer.constant + layer.perToken * len;
        // The paper's (B + 1)·L·d for the fixed-stream mixers counts the stream once per batch (the
        // "+1"); the model keeps that shared part in its inference cache, not in each sequence's state.
        const shared = (len: number) => (m === 'rnd-emb-qk' || m === 'fixed-seq-qk' ? len * d : 0);
        expect(at(L), `${m} at length ${L}`).toBe(paperDecodingState(m, d, h, L, 1)! - shared(L));
        expect(at(L / 2), `${m} at length ${L / 2}`).toBe(paperDecodingState(m, d, h, L / 2, 1)! - shared(L / 2));
      }
      model.dispose();
    }
  });
});

describe('a cell', () => {
  it('reports a diverging run as diverged, and scores skip evaluations of a hybrid on the same items', async () => {
    const sizes = { train: 64, val: 16, test: 32 };
    const spec = { task: 'mqar', rung: 'r0', seed: 2, sizes, model: MICRO, train: { steps: 4, batchSize: 8 } };
    const hybrid = await runCell({ ...spec, plan: { preset: 'hybrid', mixer: 'mlp' }, lr: 1e-3, skips: ['mixer', 'block'] });
    expect(hybrid.status).toBe('ok');
    expect(hybrid.layers).toEqual(['mlp', 'standard']);
    expect(hybrid.test!.correct.length).toBe(hybrid.test!.n);
    expect(hybrid.skips.mixer!.n).toBe(hybrid.test!.n);
    expect(hybrid.skips.block!.n).toBe(hybrid.test!.n);
    expect(hybrid.efficiency!.decodingState.perToken).toBe(2 * MICRO.hiddenSize); // the standard layer's keys and values
    expect(JSON.parse(JSON.stringify(hybrid))).toEqual(hybrid);
    const uniform = await runCell({ ...spec, plan: { preset: 'uniform', mixer: 'standard' }, lr: 1e-3, skips: ['mixer'] });
    expect(uniform.skips).toEqual({});
    const diverged = await runCell({ ...spec, plan: { preset: 'uniform', mixer: 'standard' }, lr: 1e30, train: { steps: 4, batchSize: 8, gradClip: 0 } });
    expect(diverged.status).toBe('diverged');
    expect(diverged.error).toMatch(/Training diverged/);
    expect(diverged.test).toBeUndefined();
  });
});
