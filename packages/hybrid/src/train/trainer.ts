import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, turnTaker } from '@deconattn/core';
import type { LanguageModel } from '../model/model.js';
import { crossEntropy } from '../model/loss.js';
import { sampleBatch, evalWindows } from '../data/index.js';
import type { TokenizerConfig } from '../tokenizer/index.js';
import { AdamW, clipByGlobalNorm } from './optimizer.js';
import { learningRateAt, type ScheduleOptions } from './schedule.js';
import type { LoadedCheckpoint } from '../checkpoint/model-state.js';
import type { TrainStore } from './store.js';
import { checkInt } from '../data/checks.js';

export interface TrainOptions extends ScheduleOptions {
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  gradClip?: number;
  /** Micro-batches per optimizer step (gradient accumulation). */
  accumSteps?: number;
  /** Seed of the data order. */
  seed: number;
  evalInterval: number;
  /** Validation windows per evaluation. */
  evalWindows?: number;
  logInterval: number;
  /** Save a checkpoint every N steps (and at the end) when the trainer has a store. */
  checkpointInterval?: number;
}

/** What the optional training options default to, written once (the trainer and a run's identity use it). */
export function withOptimizerDefaults(o: TrainOptions): Required<Pick<TrainOptions, 'accumSteps' | 'minLr' | 'gradClip' | 'beta1' | 'beta2' | 'eps'>> {
  return { accumSteps: o.accumSteps ?? 1, minLr: o.minLr ?? o.lr / 10, gradClip: o.gradClip ?? 1.0, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.95, eps: o.eps ?? 1e-8 };
}

export interface StepLog {
  step: number;
  loss: number;
  valLoss?: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  msPerStep: number;
  backend: string;
  tensors: number;
  elapsedSec: number;
}

export class NonFiniteLossError extends DeconattnError {
  constructor(readonly step: number, readonly value: number) {
    super(`Training diverged: the loss at step ${step} is ${value}. Nothing was trained through or saved from this step. Lower the learning rate (training option 'lr'), keep gradient clipping on, or check the mixer for overflow.`);
    this.name = 'NonFiniteLossError';
  }
}

export interface TrainData {
  train: Int32Array;
  val: Int32Array;
}

/** Mean next-token loss of int32 windows `inputs`/`targets` (B·L each). */
export function batchLoss(model: LanguageModel, inputs: Int32Array, targets: Int32Array, batch: number, seqLen: number, training: boolean): tf.Scalar {
  const ids = tf.tensor2d(inputs, [batch, seqLen], 'int32');
  const h = model.hidden(ids, { training });
  const logits = model.logitsFromHidden(h);
  return crossEntropy(tf.reshape(logits, [batch * seqLen, model.config.vocabSize]) as tf.Tensor2D, tf.tensor1d(targets, 'int32'));
}

/**
 * Mean next-token loss over the first `windows` consecutive non-overlapping windows of `tokens`
 * (a fixed, deterministic set: every model of a comparison sees the same text).
 */
export async function heldOutLoss(model: LanguageModel, tokens: Int32Array, seqLen: number, windows: number, batchSize = 16): Promise<number> {
  const { inputs, targets, count } = evalWindows(tokens, seqLen, windows);
  let total = 0;
  let done = 0;
  while (done < count) {
    const b = Math.min(batchSize, count - done);
    const slice = (a: Int32Array) => a.subarray(done * seqLen, (done + b) * seqLen);
    const lossT = tf.tidy(() => batchLoss(model, slice(inputs), slice(targets), b, seqLen, false));
    total += (await lossT.data())[0]! * b;
    lossT.dispose();
    done += b;
  }
  return total / count;
}

/**
 * nanoGPT-style loop: sample a batch (a pure function of seed and step, so a resumed run sees
 * the same data), forward + backward, clip, AdamW with warm-up + cosine, log, evaluate, save.
 */
export class Trainer {
  readonly optimizer: AdamW;
  step = 0;
  private readonly variables: tf.Variable[];
  /** tf variable name → checkpoint name, for keying gradients. */
  private readonly checkpointNames: Map<string, string>;
  readonly history: StepLog[] = [];
  private startedAt = 0;

  constructor(
    readonly model: LanguageModel,
    readonly data: TrainData,
    readonly opts: TrainOptions,
    readonly meta: {
      tokenizer: TokenizerConfig;
      preset?: string;
      /** Where metrics and checkpoints go (in Node: `runDirectoryStore(dir)` of @deconattn/hybrid/node); none = kept in memory only. */
      store?: TrainStore;
    },
  ) {
    if (opts.seqLen > model.config.maxPositions) {
      throw new DeconattnError(`Training length ${opts.seqLen} exceeds the model's maxPositions ${model.config.maxPositions}.`);
    }
    // Zero micro-batches would average no loss (NaN) and apply empty gradients without any error.
    checkInt(opts.accumSteps ?? 1, 'Training option accumSteps (micro-batches per optimizer step)', 1);
    // The logits of one micro-batch are one tensor: past 2³¹ values tfjs cannot allocate it.
    const logits = opts.batchSize * opts.seqLen * model.config.vocabSize;
    if (!(logits <= 2 ** 31 - 1)) {
      throw new DeconattnError(`Training option 'batchSize' (${opts.batchSize}) × training option 'seqLen' (${opts.seqLen}) × vocabulary ${model.config.vocabSize} needs logits of ${logits} values, more than one tensor holds (2147483647): use a smaller training option 'batchSize', and training option 'accumSteps' for a larger effective batch.`);
    }
    this.variables = model.trainableVariables();
    this.checkpointNames = new Map(model.namedParams().map((p) => [p.variable.name, p.name]));
    this.optimizer = new AdamW(model.namedParams(), {
      beta1: withOptimizerDefaults(opts).beta1,
      beta2: withOptimizerDefaults(opts).beta2,
      eps: withOptimizerDefaults(opts).eps,
      weightDecay: opts.weightDecay,
    });
  }

  /** Restore optimizer and step from a loaded checkpoint of the same run. */
  restore(ckpt: LoadedCheckpoint): void {
    const st = ckpt.trainerState;
    // Joined by hand: this module is browser-safe (no node:path); messages only name the files.
    const stateFile = `${ckpt.dir}/trainer_state.json`;
    if (!st || !ckpt.optimizer) throw new DeconattnError(`Checkpoint ${ckpt.dir} has no trainer/optimizer state (trainer_state.json, optimizer.safetensors): it cannot be resumed (it can still be loaded for scoring).`);
    const bad = (why: string) => new DeconattnError(`Corrupt checkpoint: ${stateFile} ${why}. Resume from an earlier checkpoint.`);
    if (typeof st !== 'object' || Array.isArray(st)) throw bad('is not a JSON object');
    // One optimizer update per step: the two counts are equal in every checkpoint the trainer writes.
    if (!Number.isSafeInteger(st.step) || st.step < 0) throw bad(`has step ${JSON.stringify(st.step)}, expected a non-negative integer`);
    if (st.step > this.opts.steps) throw bad(`is at step ${st.step}, past the run's ${this.opts.steps} steps`);
    if (st.optimizerStep !== st.step) throw bad(`has optimizerStep ${JSON.stringify(st.optimizerStep)}, expected ${st.step} (one update per step)`);
    if (st.history !== undefined && !Array.isArray(st.history)) throw bad(`has a 'history' that is not a list of step logs`);
    this.optimizer.loadState(st.optimizerStep, ckpt.optimizer, `${ckpt.dir}/optimizer.safetensors`);
    this.step = st.step;
    if (Array.isArray(st.history)) this.history.push(...st.history);
  }

  lrAt(step: number): number {
    return learningRateAt(step, this.opts);
  }

  /** One optimizer step (with accumulation); returns loss and gradient norm. */
  async trainStep(): Promise<{ loss: number; gradNorm: number; lr: number }> {
    const o = this.opts;
    const accum = o.accumSteps ?? 1;
    const vars = this.variables;
    const names = this.checkpointNames;
    let grads = new Map<string, tf.Tensor>();
    let lossSum = 0;
    for (let micro = 0; micro < accum; micro++) {
      const { inputs, targets } = sampleBatch(this.data.train, o.batchSize, o.seqLen, o.seed, this.step * accum + micro);
      const { value, grads: g } = tf.variableGrads(() => batchLoss(this.model, inputs, targets, o.batchSize, o.seqLen, true), vars);
      const loss = (await value.data())[0]!;
      value.dispose();
      if (!Number.isFinite(loss)) {
        Object.values(g).forEach((t) => t.dispose());
        grads.forEach((t) => t.dispose());
        throw new NonFiniteLossError(this.step + 1, loss);
      }
      lossSum += loss;
      for (const [varName, t] of Object.entries(g)) {
        const key = names.get(varName)!;
        const prev = grads.get(key);
        if (prev) {
          grads.set(key, tf.add(prev, t));
          prev.dispose();
          t.dispose();
        } else grads.set(key, t);
      }
    }
    if (accum > 1) {
      const scaled = new Map<string, tf.Tensor>();
      for (const [k, t] of grads) {
        scaled.set(k, tf.div(t, accum));
        t.dispose();
      }
      grads = scaled;
    }
    const gradNorm = await clipByGlobalNorm(grads, withOptimizerDefaults(o).gradClip);
    if (!Number.isFinite(gradNorm)) {
      grads.forEach((t) => t.dispose());
      throw new NonFiniteLossError(this.step + 1, gradNorm);
    }
    const lr = this.lrAt(this.step);
    this.optimizer.apply(grads, lr);
    grads.forEach((t) => t.dispose());
    this.model.markWeightsChanged();
    this.step++;
    return { loss: lossSum / accum, gradNorm, lr };
  }

  /** Mean validation loss over fixed consecutive windows of the held-out split. */
  async evaluate(): Promise<number> {
    const o = this.opts;
    return heldOutLoss(this.model, this.data.val, o.seqLen, o.evalWindows ?? 16, o.batchSize);
  }

  async checkpoint(): Promise<string | undefined> {
    if (!this.meta.store) return undefined;
    return this.meta.store.saveCheckpoint(this.step, this.model, {
      tokenizer: this.meta.tokenizer,
      preset: this.meta.preset,
      optimizer: this.optimizer.stateTensors(),
      trainerState: { step: this.step, optimizerStep: this.optimizer.step, options: this.opts, history: this.history },
    });
  }

  /** Train to `opts.steps`, calling `onLog` per logged/evaluated step. */
  async run(onLog: (log: StepLog) => void = () => {}): Promise<StepLog[]> {
    const o = this.opts;
    this.startedAt = performance.now();
    const store = this.meta.store;
    await store?.open(this.step);
    let windowStart = performance.now();
    let windowSteps = 0;
    // Timers and signal handlers get their turns during a long run (see turnTaker).
    const takeTurn = turnTaker();
    while (this.step < o.steps) {
      await takeTurn();
      const { loss, gradNorm, lr } = await this.trainStep();
      windowSteps++;
      const last = this.step === o.steps;
      const doEval = o.evalInterval > 0 && (this.step % o.evalInterval === 0 || last);
      const doLog = doEval || last || this.step % Math.max(1, o.logInterval) === 0 || this.step === 1;
      const doSave = !!store && (last || (!!o.checkpointInterval && this.step % o.checkpointInterval === 0));
      if (doLog) {
        await this.log(loss, gradNorm, lr, doEval, windowStart, windowSteps, onLog);
        windowStart = performance.now();
        windowSteps = 0;
      }
      if (doSave) await this.checkpoint();
    }
    return this.history;
  }

  private async log(loss: number, gradNorm: number, lr: number, doEval: boolean, windowStart: number, windowSteps: number, onLog: (log: StepLog) => void): Promise<void> {
      const o = this.opts;
      const now = performance.now();
      const ms = (now - windowStart) / windowSteps;
      const log: StepLog = {
        step: this.step,
        loss,
        lr,
        gradNorm,
        msPerStep: ms,
        tokensPerSec: (o.batchSize * o.seqLen * (o.accumSteps ?? 1) * 1000) / ms,
        backend: tf.getBackend(),
        tensors: tf.memory().numTensors,
        elapsedSec: (now - this.startedAt) / 1000,
      };
      if (doEval) log.valLoss = await this.evaluate();
      this.history.push(log);
      await this.meta.store?.appendMetrics(log);
      onLog(log);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
