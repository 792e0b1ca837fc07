import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';
import { NonFiniteLossError, planLabel, validatePlan, type LayerPlan, type SkipMode } from '@deconattn/hybrid';
import { buildTaskData, type TaskData } from '../tasks/dataset.js';
import type { SplitName } from '../tasks/types.js';
import { TaskModel, TINY_SYNTHETIC, type SyntheticModelSize } from '../train/task-model.js';
import { evaluateSplit, trainTaskModel, type SplitEvaluation, type SyntheticStepLog, type SyntheticTrainOptions, type TrainSummary } from '../train/trainer.js';
import { taskBaselines, type TaskBaselines } from '../stats/baselines.js';
import { measureDecodingState, type EfficiencyFigures } from '../report/efficiency.js';

/** One training run: a model (plan) on a task rung, with one seed and one learning rate. */
export interface CellSpec {
  task: string;
  rung: string;
  plan: LayerPlan;
  /** Seed of the data (all splits) and of the weights: models compared at a seed see the same items. */
  seed: number;
  lr: number;
  model?: SyntheticModelSize;
  train?: Partial<Omit<SyntheticTrainOptions, 'lr'>>;
  sizes?: Partial<Record<SplitName, number>>;
  /** Evaluate the trained model again with its relaxed layers skipped (docs/model.md §4). */
  skips?: SkipMode[];
}

/** A split's score in JSON: per-item correctness as a string of '0'/'1' (compact, and in item order). */
export interface EvaluationRecord {
  accuracy: number;
  n: number;
  loss: number;
  correct: string;
}

export interface CellResult {
  format: 'deconattn-synthetic-cell/1';
  task: string;
  rung: string;
  params: Record<string, number>;
  plan: LayerPlan;
  label: string;
  layers: string[];
  seed: number;
  lr: number;
  status: 'ok' | 'diverged';
  error?: string;
  parameters: number;
  mixerParameters: number[];
  train?: TrainSummary;
  val?: EvaluationRecord;
  test?: EvaluationRecord;
  /** Test scores of the same trained model with its relaxed layers skipped. */
  skips: Partial<Record<SkipMode, EvaluationRecord>>;
  efficiency?: EfficiencyFigures;
  baselines: TaskBaselines;
  /** Wall time of the whole cell: training, evaluations, measurements. */
  seconds: number;
}

export function evaluationRecord(e: SplitEvaluation): EvaluationRecord {
  let s = '';
  for (const c of e.correct) s += c ? '1' : '0';
  return { accuracy: e.accuracy, n: e.n, loss: e.loss, correct: s };
}

/** Per-item 0/1 scores back from a record's string. */
export function itemScores(r: EvaluationRecord): Uint8Array {
  return Uint8Array.from(r.correct, (c) => (c === '1' ? 1 : 0));
}

/**
 * The test sequence each scored item belongs to (its cluster for a paired bootstrap), in the
 * same order as `EvaluationRecord.correct`.
 */
export function itemSequences(data: TaskData, split: SplitName = 'test'): Int32Array {
  const s = data[split];
  const out: number[] = [];
  for (let i = 0; i < s.mask.length; i++) if (s.mask[i]) out.push(Math.floor(i / s.seqLen));
  return Int32Array.from(out);
}

export interface RunCellOptions {
  /** The rung's data when the caller already built it (a grid reuses it across models). */
  data?: TaskData;
  onStep?: (log: SyntheticStepLog) => void;
}

/**
 * Train one model on one rung and score it: validation and test accuracy on the scored positions,
 * the test again with each skip mode, parameters, decoding-state size, throughput and peak memory.
 * A run whose loss stops being finite is reported as `diverged` (not thrown), as the language-model
 * study does for uniform non-approximate.
 */
export async function runCell(spec: CellSpec, o: RunCellOptions = {}): Promise<CellResult> {
  validatePlan(spec.plan);
  if (!(spec.lr > 0)) throw new DeconattnError(`CellSpec 'lr' must be a positive number, got ${JSON.stringify(spec.lr)}.`);
  const started = performance.now();
  const data = o.data ?? buildTaskData({ task: spec.task, rung: spec.rung, seed: spec.seed, sizes: spec.sizes });
  if (data.task !== spec.task || data.rung !== spec.rung || data.seed !== spec.seed) {
    throw new DeconattnError(`runCell: the data given is for ${data.task} ${data.rung} seed ${data.seed}, the spec asks for ${spec.task} ${spec.rung} seed ${spec.seed}.`);
  }
  const model = await TaskModel.create(data, { ...spec.plan, skip: undefined }, spec.model ?? TINY_SYNTHETIC, spec.seed);
  const base: CellResult = {
    format: 'deconattn-synthetic-cell/1',
    task: spec.task,
    rung: spec.rung,
    params: data.params,
    plan: spec.plan,
    label: planLabel(spec.plan),
    layers: model.lm.layerMixers,
    seed: spec.seed,
    lr: spec.lr,
    status: 'ok',
    parameters: model.parameterCount(),
    mixerParameters: model.lm.mixerParameterCounts(),
    skips: {},
    baselines: taskBaselines(data),
    seconds: 0,
  };
  try {
    let train: TrainSummary;
    try {
      train = await trainTaskModel(model, data.train, { ...spec.train, lr: spec.lr }, spec.seed, o.onStep);
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      return { ...base, status: 'diverged', error: e.message, seconds: (performance.now() - started) / 1000 };
    }
    const val = evaluationRecord(await evaluateSplit(model, data.val));
    const test = evaluationRecord(await evaluateSplit(model, data.test));
    const skips: CellResult['skips'] = {};
    const relaxed = model.lm.layerMixers.some((m) => m !== 'standard') && model.lm.layerMixers.some((m) => m === 'standard');
    for (const mode of spec.skips ?? []) {
      if (!relaxed) continue; // skipping is defined for hybrids: a uniform model has nothing (or everything) to skip
      model.lm.skip = mode;
      try {
        skips[mode] = evaluationRecord(await evaluateSplit(model, data.test));
      } finally {
        model.lm.skip = null;
      }
    }
    const L = data.format.seqLen;
    const state = measureDecodingState(model.lm, [Math.max(1, Math.floor(L / 2)), L]);
    const efficiency: EfficiencyFigures = {
      parameters: base.parameters,
      decodingState: { constant: state.reduce((s, l) => s + l.constant, 0), perToken: state.reduce((s, l) => s + l.perToken, 0) },
      trainTokensPerSec: train.tokensPerSec,
      peakBytes: train.peakBytes,
      backend: tf.getBackend(),
    };
    return { ...base, train, val, test, skips, efficiency, seconds: (performance.now() - started) / 1000 };
  } finally {
    model.dispose();
  }
}

/** What each learning rate of a grid gave on the validation split. */
export interface LrTrial {
  lr: number;
  status: CellResult['status'];
  valAccuracy: number | null;
  valLoss: number | null;
  seconds: number;
}

export interface LrGridResult {
  /** The run with the best validation accuracy (ties: lower validation loss, then the smaller lr). */
  best: CellResult;
  trials: LrTrial[];
}

/**
 * MAD's protocol against a bad learning rate: train with each rate of a small grid and keep the
 * one with the best validation accuracy; its test score is the one reported. The test split never
 * takes part in the choice.
 */
export async function runWithLrGrid(spec: Omit<CellSpec, 'lr'>, lrs: readonly number[], o: RunCellOptions & { onTrialStart?: (lr: number) => void; onTrial?: (t: LrTrial) => void } = {}): Promise<LrGridResult> {
  if (!lrs.length || lrs.some((x) => !(x > 0))) throw new DeconattnError(`The learning-rate grid must list positive rates, e.g. [1e-3, 3e-3, 1e-2]; got ${JSON.stringify(lrs)}.`);
  const data = o.data ?? buildTaskData({ task: spec.task, rung: spec.rung, seed: spec.seed, sizes: spec.sizes });
  let best: CellResult | undefined;
  const trials: LrTrial[] = [];
  const better = (a: CellResult, b: CellResult | undefined): boolean => {
    if (!b) return true;
    if (a.status !== b.status) return a.status === 'ok';
    if (a.status !== 'ok') return false;
    if (a.val!.accuracy !== b.val!.accuracy) return a.val!.accuracy > b.val!.accuracy;
    if (a.val!.loss !== b.val!.loss) return a.val!.loss < b.val!.loss;
    return a.lr < b.lr;
  };
  for (const lr of lrs) {
    o.onTrialStart?.(lr);
    const r = await runCell({ ...spec, lr }, { data, onStep: o.onStep });
    const t: LrTrial = { lr, status: r.status, valAccuracy: r.val?.accuracy ?? null, valLoss: r.val?.loss ?? null, seconds: r.seconds };
    trials.push(t);
    o.onTrial?.(t);
    if (better(r, best)) best = r;
  }
  return { best: best!, trials };
}
