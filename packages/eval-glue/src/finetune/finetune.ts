/**
 * The usual GLUE/SuperGLUE fine-tuning protocol: per task, a head on the pre-trained model
 * trained on the train split (minus a held-out slice used for early stopping), the official
 * metrics on validation, and GLUE/SuperGLUE averages; every task starts from the pre-trained
 * weights. Results have the zero-shot results' shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';
import { dataAvailable, loadDocs, type Doc } from '../data/load.js';
import { resolveLoader, type EvalDataLoader } from '../loader.js';
import { PyRandom } from '../metrics/pyrandom.js';
import { DEFAULT_BOOTSTRAP_ITERS } from '../metrics/stderr.js';
import { buildResults, type LmEvalResults, type TaskOutcome } from '../results.js';
import type { TaskSpec } from '../spec.js';
import { loadTaskSpec, selectTasks, type TaskSelection } from '../tasks.js';
import { compileFinetune, toExample } from './examples.js';
import type { FeatureModel } from '@deconattn/core';
import { finetuneMetrics, meanOfMetrics } from './metrics.js';
import { trainTask, type TrainConfig, type TrainReport } from './train.js';

export interface FinetuneOptions {
  /** Task or group names (glue, super_glue); TaskSpec objects for tasks defined elsewhere. */
  tasks: (string | TaskSpec)[];
  dataDir?: string;
  /** Where task definitions and data come from (default: the installed loader; see loader.ts). */
  loader?: EvalDataLoader;
  /** First N validation documents per task (N < 1: a fraction). */
  limit?: number;
  /** At most N training examples per task (after the held-out slice is taken). */
  trainLimit?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  warmupRatio?: number;
  maxGradNorm?: number;
  /** Share of train held out for early stopping (default 0.1), at most heldOutMax examples (default 1000). */
  heldOutFraction?: number;
  heldOutMax?: number;
  /** Held-out evaluations without improvement before stopping (default 2). */
  patience?: number;
  /** Steps between held-out evaluations (default: once per epoch). */
  evalEvery?: number;
  /** Tokens per sequence (default min(model.maxLength, 256)). */
  maxSeqLength?: number;
  /** Train the head only, on features computed once (much faster; not the usual protocol). */
  freezeBackbone?: boolean;
  seed?: number;
  bootstrapIters?: number;
  onProgress?: (e: FinetuneProgress) => void;
  gitHash?: string;
  modelName?: string;
}

export interface FinetuneProgress {
  task: string;
  phase: 'train' | 'validation';
  step: number;
  steps: number;
  epoch: number;
  loss?: number;
  heldOutScore?: number;
}

export interface FinetuneTaskReport extends TrainReport {
  task: string;
  trainExamples: number;
  heldOutExamples: number;
  validationExamples: number;
  trainFiles: string[];
}

export interface FinetuneOutput {
  results: LmEvalResults;
  reports: FinetuneTaskReport[];
}

const DEFAULTS = { epochs: 3, batchSize: 16, learningRate: 2e-5, weightDecay: 0.01, warmupRatio: 0.1, maxGradNorm: 1, heldOutFraction: 0.1, heldOutMax: 1000, patience: 2, evalEvery: 0, seed: 0 };

function limitDocs(docs: Doc[], limit?: number): Doc[] {
  if (limit === undefined) return docs;
  if (!(limit > 0)) throw new DeconattnError(`limit must be positive, got ${limit}`);
  return docs.slice(0, limit < 1 ? Math.ceil(docs.length * limit) : Math.floor(limit));
}

/**
 * Shuffles train (seeded) and takes the held-out slice; items sharing a key (MultiRC's question)
 * stay on one side. The training part comes back in shuffled order, so a trainLimit takes a
 * random subset.
 */
export function splitHeldOut<T>(items: T[], key: (item: T, index: number) => string, fraction: number, max: number, seed: number): { train: T[]; heldOut: T[] } {
  const keyed = items.map((item, i) => ({ item, k: key(item, i) }));
  const keys = [...new Set(keyed.map((x) => x.k))];
  const rnd = new PyRandom(seed + 1);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rnd.choiceIndex(i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const nHeld = keys.length < 2 || fraction <= 0 ? 0 : Math.max(1, Math.min(Math.round(keys.length * fraction), keys.length - 1));
  const rank = new Map(keys.map((k, i) => [k, i]));
  const sorted = keyed.sort((a, b) => rank.get(a.k)! - rank.get(b.k)!);
  const isHeld = (x: { k: string }) => rank.get(x.k)! < nHeld;
  return { train: sorted.filter((x) => !isHeld(x)).map((x) => x.item), heldOut: sorted.filter(isHeld).slice(0, max).map((x) => x.item) };
}

export async function finetune(model: FeatureModel, opts: FinetuneOptions): Promise<FinetuneOutput> {
  const start = Date.now();
  const names = opts.tasks.filter((t): t is string => typeof t === 'string');
  const custom = opts.tasks.filter((t): t is TaskSpec => typeof t !== 'string');
  const loader = resolveLoader(opts.loader);
  const selection: TaskSelection = names.length ? selectTasks(names, 'finetune', opts.dataDir, loader) : { tasks: [], skipped: [], groups: {} };
  const specs = [...selection.tasks.map((n) => loadTaskSpec(n, loader)), ...custom];
  if (specs.length === 0) throw new DeconattnError(`No task to fine-tune in ${names.join(', ')}: ${selection.skipped.map((s) => `${s.task} (${s.reason})`).join('; ')}.`);
  const hp = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => k in DEFAULTS && v !== undefined)) } as typeof DEFAULTS;
  const maxSeq = Math.min(model.maxLength, opts.maxSeqLength ?? 256);
  const bootstrapIters = opts.bootstrapIters ?? DEFAULT_BOOTSTRAP_ITERS;
  const tok = model.tokenizer;

  // Every task starts from these weights.
  const initial = tf.tidy(() => model.params().map((p) => tf.keep(tf.clone(p.variable))));
  const outcomes: TaskOutcome[] = [];
  const reports: FinetuneTaskReport[] = [];
  try {
    for (const spec of specs) {
      const t = compileFinetune(spec);
      const trainSpec = t.ft.fullTrain && dataAvailable(t.ft.fullTrain, opts.dataDir, loader) ? t.ft.fullTrain : t.ft.train;
      const valSpec = t.ft.validation ?? spec.zeroShot?.data;
      if (!valSpec) throw new DeconattnError(`Task '${spec.task}' has no validation data for fine-tuning (finetune.validation or zeroShot.data).`);
      const trainDocs = loadDocs(trainSpec, spec.task, opts.dataDir, loader);
      const allVal = loadDocs(valSpec, spec.task, opts.dataDir, loader);
      const valDocs = limitDocs(allVal, opts.limit);
      const qk = t.ft.questionKey;
      const split = splitHeldOut(trainDocs, (d, i) => (qk ? `q:${String(d.fields[qk])}` : `#${i}`), hp.heldOutFraction, hp.heldOutMax, hp.seed);
      const trainPart = opts.trainLimit !== undefined ? split.train.slice(0, Math.max(1, Math.floor(opts.trainLimit))) : split.train;
      const train = trainPart.map((d) => toExample(t, d, tok, maxSeq));
      const heldOut = split.heldOut.map((d) => toExample(t, d, tok, maxSeq));
      const val = valDocs.map((d) => toExample(t, d, tok, maxSeq));
      const cfg: TrainConfig = {
        kind: t.ft.kind,
        outputs: t.outputs,
        epochs: hp.epochs,
        batchSize: hp.batchSize,
        learningRate: hp.learningRate,
        weightDecay: hp.weightDecay,
        warmupRatio: hp.warmupRatio,
        maxGradNorm: hp.maxGradNorm,
        patience: hp.patience,
        evalEvery: hp.evalEvery,
        freezeBackbone: !!opts.freezeBackbone,
        seed: hp.seed,
      };
      const trained = await trainTask(model, train, heldOut, cfg, (p, ex) => meanOfMetrics(spec, p, ex), (p) => opts.onProgress?.({ task: spec.task, phase: 'train', ...p }));
      const preds = await trained.predict(val);
      opts.onProgress?.({ task: spec.task, phase: 'validation', step: trained.report.steps, steps: trained.report.steps, epoch: trained.report.epochsRun - 1 });
      trained.dispose();
      const report: FinetuneTaskReport = { task: spec.task, trainExamples: train.length, heldOutExamples: heldOut.length, validationExamples: val.length, trainFiles: trainSpec.files, ...trained.report };
      reports.push(report);
      outcomes.push({
        spec,
        config: {
          task: spec.task,
          protocol: 'finetune',
          head: t.ft.kind,
          num_outputs: t.outputs,
          train_files: trainSpec.files,
          validation_files: valSpec.files,
          n_train: train.length,
          n_held_out: heldOut.length,
          max_seq_length: maxSeq,
          hyperparameters: { ...hp, freezeBackbone: cfg.freezeBackbone, trainLimit: opts.trainLimit ?? null },
          training: { steps: report.steps, epochs_run: report.epochsRun, best_step: report.bestStep, best_held_out_score: report.bestHeldOutScore, early_stopped: report.earlyStopped, last_loss: report.lastLoss },
          metric_list: spec.finetune!.metrics.map((m) => ({ metric: m, higher_is_better: true })),
          metadata: { version: spec.version },
        },
        metrics: finetuneMetrics(spec, preds, val, bootstrapIters),
        original: allVal.length,
        effective: val.length,
      });
      // Back to the pre-trained weights for the next task.
      model.params().forEach((p, i) => p.variable.assign(initial[i]!));
      model.weightsChanged();
    }
  } finally {
    tf.dispose(initial);
  }
  const results = buildResults({
    protocol: 'finetune',
    model,
    outcomes,
    selection: { ...selection, tasks: specs.map((s) => s.task) },
    limit: opts.limit,
    bootstrapIters,
    batchSize: hp.batchSize,
    gitHash: opts.gitHash,
    modelName: opts.modelName,
    startMs: start,
    endMs: Date.now(),
    extra: { seed: hp.seed, hyperparameters: { ...hp, maxSeqLength: maxSeq, freezeBackbone: !!opts.freezeBackbone, trainLimit: opts.trainLimit ?? null } },
  });
  return { results, reports };
}
