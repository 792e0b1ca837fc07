/**
 * Fine-tuning one task: a linear head on the final hidden state at the last token (the sequence's
 * final EOS: a causal model has read the whole input there), trained with the backbone (or alone,
 * `freezeBackbone`) by AdamW with linear warm-up and decay; early stopping on a held-out slice of
 * train, never on validation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PyRandom } from '../metrics/pyrandom.js';
import type { Example } from './examples.js';
import type { FeatureModel, FeatureParam } from '@deconattn/core';
import { AdamW } from './optimizer.js';

export type HeadKind = 'classify' | 'regress' | 'choice';

export interface TrainConfig {
  kind: HeadKind;
  outputs: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  warmupRatio: number;
  maxGradNorm: number;
  patience: number;
  /** Held-out evaluations every this many steps (0 = once per epoch). */
  evalEvery: number;
  freezeBackbone: boolean;
  seed: number;
}

export interface TrainProgress {
  step: number;
  steps: number;
  epoch: number;
  loss?: number;
  heldOutScore?: number;
}

export interface TrainReport {
  steps: number;
  epochsRun: number;
  bestStep: number;
  bestHeldOutScore: number | null;
  earlyStopped: boolean;
  lastLoss: number | null;
  heldOutHistory: { step: number; score: number }[];
}

let headCounter = 0;

/** The classifier: W (d×K, N(0, 0.02²)), b (K). */
export class Head {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(d: number, k: number, seed: number) {
    const id = ++headCounter;
    // tfjs treats a seed of 0 as "no seed" (Math.random): shift it to stay reproducible.
    this.w = tf.tidy(() => tf.variable(tf.randomNormal([d, k], 0, 0.02, 'float32', seed + 1), true, `eval-glue-head${id}/w`));
    this.b = tf.tidy(() => tf.variable(tf.zeros([k]), true, `eval-glue-head${id}/b`));
  }
  params(): FeatureParam[] {
    return [
      { variable: this.w, decay: true },
      { variable: this.b, decay: false },
    ];
  }
  apply(pooled: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(pooled, this.w), this.b) as tf.Tensor2D;
  }
  dispose(): void {
    tf.dispose([this.w, this.b]);
  }
}

/** Right-padded int32 ids and a B×T×1 mask selecting each sequence's last token. */
function batchTensors(seqs: number[][], pad: number): { ids: tf.Tensor2D; last: tf.Tensor3D } {
  const T = Math.max(...seqs.map((s) => s.length));
  const ids = new Int32Array(seqs.length * T).fill(pad);
  const mask = new Float32Array(seqs.length * T);
  seqs.forEach((s, b) => {
    ids.set(s, b * T);
    mask[b * T + s.length - 1] = 1;
  });
  return { ids: tf.tensor2d(ids, [seqs.length, T], 'int32'), last: tf.tensor3d(mask, [seqs.length, T, 1]) };
}

/** Pooled features N×d of the sequences (the hidden state at each last token). A mask product, not a gather: its gradient works on every backend. */
function pooled(model: FeatureModel, seqs: number[][], training: boolean): tf.Tensor2D {
  const { ids, last } = batchTensors(seqs, model.tokenizer.eosId);
  return tf.sum(tf.mul(model.hidden(ids, training), last), 1) as tf.Tensor2D;
}

/** Head outputs: classify B×K logits; choice B×C scores; regress B×1. */
function outputs(kind: HeadKind, head: Head, feats: tf.Tensor2D, batch: number): tf.Tensor2D {
  const out = head.apply(feats);
  return kind === 'choice' ? (tf.reshape(out, [batch, -1]) as tf.Tensor2D) : out;
}

function loss(kind: HeadKind, out: tf.Tensor2D, labels: number[]): tf.Scalar {
  if (kind === 'regress') return tf.mean(tf.square(tf.sub(tf.reshape(out, [-1]), tf.tensor1d(labels)))) as tf.Scalar;
  const [B, K] = out.shape;
  const onehot = new Float32Array(B * K);
  labels.forEach((l, i) => (onehot[i * K + l] = 1));
  const logp = tf.sub(out, tf.logSumExp(out, 1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.tensor2d(onehot, [B, K])), 1))) as tf.Scalar;
}

/** Cached features for a frozen backbone: computed once per sequence, no gradient. */
class FeatureCache {
  private readonly map = new Map<number[], Float32Array>();
  constructor(
    private readonly model: FeatureModel,
    private readonly batch: number,
  ) {}
  async fill(examples: Example[]): Promise<void> {
    const seqs = examples.flatMap((e) => e.sequences).filter((s) => !this.map.has(s));
    for (let i = 0; i < seqs.length; i += this.batch) {
      const part = seqs.slice(i, i + this.batch);
      const t = tf.tidy(() => pooled(this.model, part, false));
      const data = (await t.data()) as Float32Array;
      t.dispose();
      const d = this.model.hiddenSize;
      part.forEach((s, k) => this.map.set(s, data.slice(k * d, (k + 1) * d)));
    }
  }
  tensor(seqs: number[][]): tf.Tensor2D {
    const d = this.model.hiddenSize;
    const buf = new Float32Array(seqs.length * d);
    seqs.forEach((s, k) => buf.set(this.map.get(s)!, k * d));
    return tf.tensor2d(buf, [seqs.length, d]);
  }
}

export interface Trained {
  head: Head;
  report: TrainReport;
  /** Predictions for examples: class/candidate index, or the regression value. */
  predict(examples: Example[]): Promise<number[]>;
  dispose(): void;
}

/**
 * Trains head (+ backbone) on `train`, evaluating `heldOut` with `score` (higher = better) for
 * early stopping; returns with the best held-out weights in place.
 */
export async function trainTask(
  model: FeatureModel,
  train: Example[],
  heldOut: Example[],
  cfg: TrainConfig,
  score: (preds: number[], examples: Example[]) => number,
  onProgress?: (p: TrainProgress) => void,
): Promise<Trained> {
  const head = new Head(model.hiddenSize, cfg.kind === 'classify' ? cfg.outputs : 1, cfg.seed);
  const params = [...(cfg.freezeBackbone ? [] : model.params()), ...head.params()];
  const vars = params.map((p) => p.variable);
  const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay, maxGradNorm: cfg.maxGradNorm });
  const cache = cfg.freezeBackbone ? new FeatureCache(model, cfg.batchSize) : undefined;
  if (cache) await cache.fill([...train, ...heldOut]);

  const feats = (seqs: number[][], training: boolean) => (cache ? cache.tensor(seqs) : pooled(model, seqs, training));
  const predict = async (examples: Example[]): Promise<number[]> => {
    if (cache) await cache.fill(examples);
    const out: number[] = [];
    for (let i = 0; i < examples.length; i += cfg.batchSize) {
      const part = examples.slice(i, i + cfg.batchSize);
      const t = tf.tidy(() => {
        const o = outputs(cfg.kind, head, feats(part.flatMap((e) => e.sequences), false), part.length);
        return cfg.kind === 'regress' ? tf.reshape(o, [-1]) : tf.argMax(o, 1);
      });
      out.push(...Array.from(await t.data()));
      t.dispose();
    }
    return out;
  };

  const rnd = new PyRandom(cfg.seed);
  const perEpoch = Math.max(1, Math.ceil(train.length / cfg.batchSize));
  const steps = perEpoch * cfg.epochs;
  const warmup = Math.floor(steps * cfg.warmupRatio);
  const lrAt = (s: number) => cfg.learningRate * (s < warmup ? (s + 1) / warmup : Math.max(0, (steps - s) / Math.max(1, steps - warmup)));
  const evalEvery = cfg.evalEvery > 0 ? cfg.evalEvery : perEpoch;

  let best: tf.Tensor[] | null = null;
  const report: TrainReport = { steps: 0, epochsRun: 0, bestStep: 0, bestHeldOutScore: null, earlyStopped: false, lastLoss: null, heldOutHistory: [] };
  let sinceBest = 0;
  const evaluateHeldOut = async (step: number, epoch: number): Promise<boolean> => {
    if (heldOut.length === 0) return false;
    const s = score(await predict(heldOut), heldOut);
    report.heldOutHistory.push({ step, score: s });
    onProgress?.({ step, steps, epoch, heldOutScore: s });
    if (report.bestHeldOutScore === null || s > report.bestHeldOutScore) {
      report.bestHeldOutScore = s;
      report.bestStep = step;
      tf.dispose(best ?? []);
      best = vars.map((v) => tf.keep(tf.clone(v)));
      sinceBest = 0;
    } else sinceBest++;
    return sinceBest >= cfg.patience;
  };

  let step = 0;
  outer: for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    // Fisher–Yates with the seeded Python-compatible generator: the same order on every backend.
    const order = train.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd.choiceIndex(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let b = 0; b < order.length; b += cfg.batchSize) {
      const part = order.slice(b, b + cfg.batchSize).map((i) => train[i]!);
      const { value, grads } = tf.variableGrads(() => {
        const o = outputs(cfg.kind, head, feats(part.flatMap((e) => e.sequences), true), part.length);
        return loss(cfg.kind, o, part.map((e) => e.label));
      }, vars);
      await opt.step(
        vars.map((v) => grads[v.name]),
        lrAt(step),
      );
      report.lastLoss = (await value.data())[0] ?? null;
      tf.dispose([value, ...Object.values(grads)]);
      if (!cfg.freezeBackbone) model.weightsChanged();
      step++;
      report.steps = step;
      onProgress?.({ step, steps, epoch, loss: report.lastLoss ?? undefined });
      if (step % evalEvery === 0 && (await evaluateHeldOut(step, epoch))) {
        report.earlyStopped = true;
        report.epochsRun = epoch + 1;
        break outer;
      }
    }
    report.epochsRun = epoch + 1;
  }
  if (step % evalEvery !== 0 && !report.earlyStopped) await evaluateHeldOut(step, report.epochsRun - 1);
  opt.dispose();
  if (best) {
    const snap: tf.Tensor[] = best;
    vars.forEach((v, i) => v.assign(snap[i]!));
    tf.dispose(snap);
    if (!cfg.freezeBackbone) model.weightsChanged();
  } else report.bestStep = step;
  return { head, report, predict, dispose: () => head.dispose() };
}
