import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../node/atomic.js';
import { runDirectoryStore } from '../node/run-store.js';
import { DeconattnError } from '@deconattn/core';
import { getPreset, type Preset, type TrainDefaults } from '../model/config.js';
import { LanguageModel } from '../model/model.js';
import { planLabel, type LayerPlan } from '../model/plan.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { loadTokenizer } from '../tokenizer/files.js';
import { splitTokens, tokenizeCorpus } from '../data/index.js';
import { bundledCorpus, loadCorpusFiles, type Corpus } from '../data/corpus.js';
import { fixedPassage } from '../data/fixed-passage.js';
import { listCheckpoints, loadCheckpoint } from '../checkpoint/checkpoint.js';
import { Trainer, withOptimizerDefaults, type StepLog, type TrainOptions } from './trainer.js';

export interface TrainRunOptions {
  preset: string | Preset;
  plan: LayerPlan;
  /** Overrides of the preset's training defaults. */
  train?: Partial<TrainDefaults & Pick<TrainOptions, 'accumSteps' | 'gradClip' | 'minLr' | 'evalWindows' | 'checkpointInterval' | 'beta1' | 'beta2'>>;
  /** Seed of weights and data order. */
  seed?: number;
  /** UTF-8 text files; the bundled corpus when absent. */
  corpusFiles?: string[];
  outDir?: string;
  /** Continue the run in outDir from its newest checkpoint. */
  resume?: boolean;
  onLog?: (log: StepLog, ctx: { totalSteps: number }) => void;
  /** Called once the model and data are ready (for a start-up table). */
  onStart?: (info: TrainRunInfo) => void;
}

export interface TrainRunInfo {
  preset: Preset;
  plan: LayerPlan;
  layers: string[];
  parameters: number;
  mixerParameters: number[];
  tokenizer: Tokenizer;
  corpus: Corpus;
  trainTokens: number;
  valTokens: number;
  options: TrainOptions;
  resumedFromStep: number;
}

export interface TrainRunResult extends TrainRunInfo {
  model: LanguageModel;
  history: StepLog[];
  finalValLoss?: number;
  seconds: number;
}

/** The pieces every run identity is made of: a resumed run must match them exactly. */
function runIdentity(preset: Preset, plan: LayerPlan, opts: TrainOptions, corpus: Corpus) {
  // Everything the data order and the updates depend on, defaults spelled out (as the Trainer
  // applies them) so that leaving an option out and giving its default compare equal.
  const d = withOptimizerDefaults(opts);
  const optimisation = {
    accumSteps: d.accumSteps,
    warmupSteps: opts.warmupSteps,
    minLr: d.minLr,
    // A horizon other than the run's own length (the paper presets'); absent otherwise, so the
    // identity of runs saved before it existed is unchanged.
    ...(opts.cosineSteps !== undefined && opts.cosineSteps !== opts.steps && { cosineSteps: opts.cosineSteps }),
    weightDecay: opts.weightDecay,
    gradClip: d.gradClip,
    beta1: d.beta1,
    beta2: d.beta2,
    eps: d.eps,
  };
  return { preset: preset.name, model: preset.model, plan, seed: opts.seed, batchSize: opts.batchSize, seqLen: opts.seqLen, steps: opts.steps, lr: opts.lr, optimisation, corpus: corpus.sources.map((s) => s.sha256) };
}

/**
 * Train a preset with a layer plan on a corpus, from scratch or resuming `outDir`. The model is
 * returned (the caller disposes it). Resuming refuses a run whose settings differ.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const preset = typeof o.preset === 'string' ? getPreset(o.preset) : o.preset;
  const tokenizer = await loadTokenizer(preset.tokenizer);
  if (tokenizer.vocabSize > preset.model.vocabSize) throw new DeconattnError(`The ${tokenizer.kind} tokenizer has ${tokenizer.vocabSize} ids but preset '${preset.name}' has vocabSize ${preset.model.vocabSize}.`);
  const corpus = o.corpusFiles?.length ? loadCorpusFiles(o.corpusFiles) : bundledCorpus();
  const { train, val } = splitTokens(tokenizeCorpus(tokenizer, corpus));
  const seed = o.seed ?? 0;
  const options: TrainOptions = { ...preset.train, ...o.train, seed } as TrainOptions;
  const store = o.outDir ? runDirectoryStore(o.outDir) : undefined;
  if (options.seqLen > preset.model.maxPositions) throw new DeconattnError(`Training option 'seqLen' (${options.seqLen}) exceeds preset '${preset.name}' maxPositions ${preset.model.maxPositions}.`);
  const identity = runIdentity(preset, o.plan, options, corpus);

  let model: LanguageModel;
  let trainer: Trainer;
  let resumedFromStep = 0;
  const runFile = o.outDir ? path.join(o.outDir, 'run.json') : undefined;
  if (o.resume && o.outDir && listCheckpoints(o.outDir).length) {
    const saved = runFile && fs.existsSync(runFile) ? JSON.parse(fs.readFileSync(runFile, 'utf8')) : undefined;
    if (saved && JSON.stringify(saved.identity) !== JSON.stringify(identity)) {
      throw new DeconattnError(`Cannot resume ${o.outDir}: it holds a run with different settings (${JSON.stringify(saved.identity)}); this call asks for ${JSON.stringify(identity)}. Use another run directory (training option 'outDir'), or the same settings.`);
    }
    const ck = await loadCheckpoint(o.outDir);
    model = ck.model;
    let t: Trainer | undefined;
    try {
      t = new Trainer(model, { train, val }, options, { tokenizer: tokenizer.toConfig(), preset: preset.name, store });
      t.restore(ck);
    } catch (e) {
      // A checkpoint that cannot be resumed must not leave its weights and moments allocated.
      t?.dispose();
      model.dispose();
      throw e;
    }
    trainer = t;
    resumedFromStep = trainer.step;
  } else {
    if (o.outDir && listCheckpoints(o.outDir).length && !o.resume) {
      throw new DeconattnError(`${o.outDir} already holds checkpoints of a run. Set training option 'resume' to continue it, or choose another training option 'outDir'.`);
    }
    model = await LanguageModel.create({
      config: preset.model,
      plan: o.plan,
      seed,
      environment: { tokenizer, defaultPassage: (length) => fixedPassage(tokenizer, length).tokenIds },
    });
    try {
      trainer = new Trainer(model, { train, val }, options, { tokenizer: tokenizer.toConfig(), preset: preset.name, store });
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  if (runFile) {
    writeJsonAtomic(runFile, { identity, label: planLabel(o.plan), layers: model.layerMixers });
  }
  const info: TrainRunInfo = {
    preset,
    plan: o.plan,
    layers: model.layerMixers,
    parameters: model.parameterCount(),
    mixerParameters: model.mixerParameterCounts(),
    tokenizer,
    corpus,
    trainTokens: train.length,
    valTokens: val.length,
    options,
    resumedFromStep,
  };
  o.onStart?.(info);
  const t0 = performance.now();
  try {
    await trainer.run((log) => o.onLog?.(log, { totalSteps: options.steps }));
  } catch (e) {
    trainer.dispose();
    model.dispose();
    throw e;
  }
  trainer.dispose();
  const history = trainer.history;
  const finalValLoss = [...history].reverse().find((h) => h.valLoss !== undefined)?.valLoss;
  return { ...info, model, history, finalValLoss, seconds: (performance.now() - t0) / 1000 };
}
