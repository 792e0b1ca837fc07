import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, deriveSeed } from '@deconattn/core';
import { AdamW, NonFiniteLossError, clipByGlobalNorm, learningRate } from '@deconattn/hybrid';
import { TaskRandom } from '../tasks/random.js';
import type { TaskSplit } from '../tasks/dataset.js';
import { maskedCrossEntropy } from './masked-loss.js';
import type { TaskModel } from './task-model.js';

export interface SyntheticTrainOptions {
  steps: number;
  batchSize: number;
  /** Peak learning rate (warm-up, then cosine decay to minLr). */
  lr: number;
  /** Final learning rate (default lr / 10). */
  minLr?: number;
  warmupSteps: number;
  weightDecay: number;
  gradClip: number;
  beta1: number;
  beta2: number;
}

/**
 * Defaults for tiny models on the easy rungs: AdamW with warm-up and cosine decay as hybrid's
 * Trainer uses, batch 32. The learning rate is a grid's job (see `runWithLrGrid`).
 */
export const SYNTHETIC_TRAIN_DEFAULTS: SyntheticTrainOptions = { steps: 300, batchSize: 32, lr: 3e-3, warmupSteps: 20, weightDecay: 0.1, gradClip: 1, beta1: 0.9, beta2: 0.98 };

export interface SyntheticStepLog {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  tensors: number;
}

export interface TrainSummary {
  steps: number;
  seconds: number;
  /** Training throughput over the whole run (input tokens per second, forward + backward + update). */
  tokensPerSec: number;
  /** Mean loss of the last 10 % of steps (a single step's loss is noisy). */
  finalLoss: number;
  /** Largest `tf.memory().numBytes` seen after a forward pass and after the backward pass. */
  peakBytes: number;
  /** Loss every `logEvery` steps (and the last). */
  history: { step: number; loss: number }[];
}

function checkOptions(o: SyntheticTrainOptions): void {
  for (const k of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new DeconattnError(`Training option '${k}' must be a positive integer, got ${JSON.stringify(o[k])}.`);
  }
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) throw new DeconattnError(`Training option 'warmupSteps' must be an integer ≥ 0, got ${JSON.stringify(o.warmupSteps)}.`);
  for (const k of ['lr', 'weightDecay', 'gradClip', 'beta1', 'beta2'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || o[k] < 0) throw new DeconattnError(`Training option '${k}' must be a finite number ≥ 0, got ${JSON.stringify(o[k])}.`);
  }
  if (!(o.lr > 0)) throw new DeconattnError(`Training option 'lr' must be positive, got ${o.lr}.`);
}

/**
 * Row indices of the batch at `step`: the split is walked epoch by epoch, each epoch in its own
 * seeded random order, so a batch is a pure function of (seed, step) and a run sees every
 * training sequence once per epoch.
 */
export function batchRows(count: number, batchSize: number, seed: number, step: number, cache = new Map<number, number[]>()): number[] {
  const rows: number[] = [];
  for (let b = 0; b < batchSize; b++) {
    const g = step * batchSize + b;
    const epoch = Math.floor(g / count);
    let perm = cache.get(epoch);
    if (!perm) {
      perm = new TaskRandom(deriveSeed(seed, `epoch:${epoch}`)).shuffle(Array.from({ length: count }, (_, i) => i));
      cache.set(epoch, perm);
      cache.delete(epoch - 2);
    }
    rows.push(perm[g % count]!);
  }
  return rows;
}

function gather(split: TaskSplit, rows: number[]): { ids: Int32Array; targets: Int32Array; weights: Float32Array } {
  const L = split.seqLen;
  const ids = new Int32Array(rows.length * L);
  const targets = new Int32Array(rows.length * L);
  const weights = new Float32Array(rows.length * L);
  rows.forEach((r, i) => {
    ids.set(split.inputs.subarray(r * L, (r + 1) * L), i * L);
    targets.set(split.targets.subarray(r * L, (r + 1) * L), i * L);
    for (let t = 0; t < L; t++) weights[i * L + t] = split.mask[r * L + t]!;
  });
  return { ids, targets, weights };
}

/** The masked loss of a batch (inside a tidy or a gradient closure). */
function batchLoss(model: TaskModel, ids: Int32Array, targets: Int32Array, weights: Float32Array, batch: number, L: number, training: boolean): tf.Scalar {
  const logits = model.logits(tf.tensor2d(ids, [batch, L], 'int32'), training);
  const v = logits.shape[2]!;
  return maskedCrossEntropy(tf.reshape(logits, [batch * L, v]) as tf.Tensor2D, tf.tensor1d(targets, 'int32'), tf.tensor1d(weights, 'float32'));
}

/**
 * nanoGPT's loop on a task: seeded batches, forward, masked loss on the scored positions,
 * backward, global-norm clipping, hybrid's AdamW with warm-up and cosine decay. Throws hybrid's
 * NonFiniteLossError when the loss or the gradient norm stops being finite.
 */
export async function trainTaskModel(model: TaskModel, split: TaskSplit, options: Partial<SyntheticTrainOptions>, seed: number, onStep?: (log: SyntheticStepLog) => void, logEvery = 25): Promise<TrainSummary> {
  const o: SyntheticTrainOptions = { ...SYNTHETIC_TRAIN_DEFAULTS, ...options };
  checkOptions(o);
  const params = model.namedParams().filter((p) => p.kind !== 'buffer');
  const vars = params.map((p) => p.variable);
  const names = new Map(params.map((p) => [p.variable.name, p.name]));
  const optimizer = new AdamW(params, { beta1: o.beta1, beta2: o.beta2, eps: 1e-8, weightDecay: o.weightDecay });
  const perms = new Map<number, number[]>();
  const L = split.seqLen;
  const history: { step: number; loss: number }[] = [];
  const tail: number[] = [];
  const tailLength = Math.max(1, Math.ceil(o.steps / 10));
  let peakBytes = tf.memory().numBytes;
  const started = performance.now();
  let windowStart = started;
  try {
    for (let step = 0; step < o.steps; step++) {
      const { ids, targets, weights } = gather(split, batchRows(split.count, o.batchSize, seed, step, perms));
      const { value, grads } = tf.variableGrads(() => {
        const loss = batchLoss(model, ids, targets, weights, o.batchSize, L, true);
        peakBytes = Math.max(peakBytes, tf.memory().numBytes);
        return loss;
      }, vars);
      peakBytes = Math.max(peakBytes, tf.memory().numBytes);
      const loss = (await value.data())[0]!;
      value.dispose();
      const byName = new Map<string, tf.Tensor>();
      for (const [varName, g] of Object.entries(grads)) byName.set(names.get(varName)!, g);
      if (!Number.isFinite(loss)) {
        byName.forEach((t) => t.dispose());
        throw new NonFiniteLossError(step + 1, loss);
      }
      const gradNorm = await clipByGlobalNorm(byName, o.gradClip);
      if (!Number.isFinite(gradNorm)) {
        byName.forEach((t) => t.dispose());
        throw new NonFiniteLossError(step + 1, gradNorm);
      }
      const lr = learningRate(step, { peak: o.lr, min: o.minLr ?? o.lr / 10, warmup: o.warmupSteps, total: o.steps });
      optimizer.apply(byName, lr);
      byName.forEach((t) => t.dispose());
      model.lm.markWeightsChanged();
      if (o.steps - step <= tailLength) tail.push(loss);
      const done = step + 1;
      if (done % logEvery === 0 || done === o.steps) {
        const now = performance.now();
        const stepsInWindow = done % logEvery === 0 ? logEvery : done % logEvery;
        history.push({ step: done, loss });
        onStep?.({ step: done, loss, lr, gradNorm, tokensPerSec: (stepsInWindow * o.batchSize * L * 1000) / (now - windowStart), tensors: tf.memory().numTensors });
        windowStart = now;
      }
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  return { steps: o.steps, seconds, tokensPerSec: (o.steps * o.batchSize * L) / seconds, finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length, peakBytes, history };
}

/** Accuracy on one split, item by item. */
export interface SplitEvaluation {
  /** Fraction of scored positions answered correctly (argmax = target). */
  accuracy: number;
  /** Scored positions (the items). */
  n: number;
  /** 1/0 per item, in row-major order of the split's scored positions. */
  correct: Uint8Array;
  /** Mean masked cross-entropy. */
  loss: number;
}

/** Greedy answers at every scored position of a split, in batches (no gradient). */
export async function evaluateSplit(model: TaskModel, split: TaskSplit, batchSize = 128): Promise<SplitEvaluation> {
  const L = split.seqLen;
  const correct: number[] = [];
  let lossSum = 0;
  let weightSum = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
    const { ids, targets, weights } = gather(split, rows);
    const b = rows.length;
    const [predT, lossT] = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d(ids, [b, L], 'int32'), false);
      const flat = tf.reshape(logits, [b * L, logits.shape[2]!]) as tf.Tensor2D;
      return [tf.argMax(flat, 1), maskedCrossEntropy(flat, tf.tensor1d(targets, 'int32'), tf.tensor1d(weights, 'float32'))];
    });
    const pred = await predT.data();
    const batchLossValue = (await lossT.data())[0]!;
    predT.dispose();
    lossT.dispose();
    let w = 0;
    for (let i = 0; i < b * L; i++) {
      if (!weights[i]) continue;
      w++;
      correct.push(pred[i] === targets[i] ? 1 : 0);
    }
    lossSum += batchLossValue * w;
    weightSum += w;
  }
  const n = correct.length;
  return { accuracy: n ? correct.reduce((a, c) => a + c, 0) / n : NaN, n, correct: Uint8Array.from(correct), loss: weightSum ? lossSum / weightSum : NaN };
}
