import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, listMixers } from '@deconattn/core';
import { getPreset, type LanguageModel, type StepLog, type Tokenizer } from '@deconattn/hybrid';
import { loadCheckpoint, trainRun, writeJsonAtomic } from '@deconattn/hybrid/node';
import type { SyntheticSuiteResults } from '@deconattn/tasks-synthetic';
import { evaluateModel, type EvalSettings } from './evaluate-run.js';
import { skipRunId, skipRunLabel, type RunSpec } from './runs.js';
import { checkPattern } from './pattern.js';
import { summarizeRuns } from './summary.js';
import { judgeLmClaims, type LmClaim } from './lm-claims.js';
import { studyClaims } from './claims.js';
import { paperRankCorrelation } from './rank-correlation.js';
import type { ValidatedStudyConfig } from './run.js';
import type { StudyConfig, StudyResults, StudyRun } from './types.js';

/*
 * The pieces a study is made of, each usable on its own: train one run, evaluate it, evaluate it
 * with its relaxed layers skipped, and assemble every run's result into the study's results.
 * runStudy (./run.ts) calls them in one loop; @deconattn/study-queue calls them as jobs on
 * several machines. One implementation, so both give the same numbers.
 */

export function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined; // a torn file from a killed run: recompute
  }
}

/** The settings that define a study; resuming with different ones would mix results. */
export function studyIdentity(o: ValidatedStudyConfig) {
  return { preset: o.preset, steps: o.steps, seed: o.seed, backend: o.backend, mixers: o.mixers, configs: o.configs, placements: o.placements, skipModes: o.skipModes, tasks: o.tasks, limit: o.limit, wikitextDocs: o.wikitextDocs, analysisSequences: o.analysisSequences, analysisLength: o.analysisLength };
}

/**
 * Claims `dir` for this study's language-model runs (`study.json`), refusing a directory that
 * holds a study with other settings.
 */
export function claimStudyDirectory(o: ValidatedStudyConfig, dir: string): void {
  const id = studyIdentity(o);
  const studyFile = path.join(dir, 'study.json');
  const existing = readJson<{ identity: unknown }>(studyFile);
  if (existing && JSON.stringify(existing.identity) !== JSON.stringify(id)) {
    throw new DeconattnError(
      `${dir} holds a study with other settings (${JSON.stringify(existing.identity)}). Resuming would mix results of different configurations: use another study directory ('out'), or delete ${dir} to start over.`,
    );
  }
  writeJsonAtomic(studyFile, { identity: id });
}

/** How every model of the study is evaluated; answers are cached under `<dir>/.eval-cache`. */
export function studyEvalSettings(o: ValidatedStudyConfig, dir: string): EvalSettings {
  return {
    tasks: o.tasks,
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength,
    seqLen: getPreset(o.preset).train.seqLen,
    heldOutWindows: 64,
    cacheDir: path.join(dir, '.eval-cache'),
  };
}

export function baseRun(spec: RunSpec, model: LanguageModel | undefined, status: StudyRun['status'], seed: number): StudyRun {
  return {
    seed,
    id: spec.id,
    label: spec.label,
    group: spec.group,
    mixer: spec.mixer,
    placement: spec.placement,
    plan: spec.plan,
    layers: model?.layerMixers ?? [],
    parameters: model?.parameterCount() ?? 0,
    status,
    durations: { trainSec: 0, evalSec: 0 },
  };
}

export interface TrainedStudyRun {
  model: LanguageModel;
  train: NonNullable<StudyRun['train']>;
  /** Training had finished in an earlier call: the model was loaded from its last checkpoint. */
  reloaded: boolean;
}

/**
 * Train one run in its directory (resuming from its newest checkpoint), or load it when its
 * training finished earlier (`trained.json`). The caller disposes the model. Throws
 * NonFiniteLossError when training diverges.
 */
export async function trainStudyRun(o: ValidatedStudyConfig, spec: RunSpec, dir: string, seed: number, hooks: { onResume?: (fromStep: number) => void; onLog?: (l: StepLog) => void } = {}): Promise<TrainedStudyRun> {
  const steps = o.steps;
  const finished = readJson<TrainedStudyRun['train']>(path.join(dir, 'trained.json'));
  if (finished && finished.steps === steps) {
    const ck = await loadCheckpoint(dir);
    return { model: ck.model, train: finished, reloaded: true };
  }
  const r = await trainRun({
    preset: o.preset,
    plan: spec.plan,
    seed,
    outDir: dir,
    resume: true,
    train: { steps, checkpointInterval: studyCheckpointInterval(steps) },
    onStart: (info) => hooks.onResume?.(info.resumedFromStep),
    onLog: (log) => hooks.onLog?.(log),
  });
  const train = { steps, seconds: r.seconds, finalLoss: r.history.at(-1)?.loss ?? NaN, history: r.history };
  writeJsonAtomic(path.join(dir, 'trained.json'), train);
  return { model: r.model, train, reloaded: false };
}

/** Steps between a study run's checkpoints: what a killed run can lose. */
export function studyCheckpointInterval(steps: number): number {
  return Math.max(50, Math.ceil(steps / 4));
}

/** A trained run's result: held-out loss, WikiText, zero-shot tasks and attention diagnostics. */
export async function evaluateStudyRun(spec: RunSpec, trained: TrainedStudyRun, seed: number, trainSec: number, tokenizer: Tokenizer, settings: EvalSettings, onPhase?: (what: string) => void): Promise<StudyRun> {
  const evalStart = performance.now();
  const { metrics, analysis } = await evaluateModel(trained.model, tokenizer, settings, onPhase);
  const run = baseRun(spec, trained.model, 'ok', seed);
  run.train = trained.train;
  run.metrics = metrics;
  run.analysis = analysis;
  run.durations = { trainSec, evalSec: (performance.now() - evalStart) / 1000 };
  return run;
}

/** A trained hybrid evaluated with its relaxed layers skipped (`mode`); the model is left as it was. */
export async function evaluateSkipRun(spec: RunSpec, model: LanguageModel, mode: 'mixer' | 'block', seed: number, tokenizer: Tokenizer, settings: EvalSettings): Promise<StudyRun> {
  const skipStart = performance.now();
  model.skip = mode;
  try {
    const skipped = await evaluateModel(model, tokenizer, settings);
    return {
      ...baseRun(spec, model, 'ok', seed),
      id: skipRunId(spec.id, mode),
      label: skipRunLabel(spec.mixer, mode),
      group: 'hybrid-skip',
      skip: mode,
      evaluatedFrom: spec.id,
      plan: { ...spec.plan, skip: mode },
      metrics: skipped.metrics,
      analysis: skipped.analysis,
      durations: { trainSec: 0, evalSec: (performance.now() - skipStart) / 1000 },
    };
  } finally {
    model.skip = null;
  }
}

/** A run whose training diverged (the paper's finding for uniform non-approximate): reported, not retried. */
export function divergedRun(spec: RunSpec, seed: number, error: string, trainSec: number): StudyRun {
  return { ...baseRun(spec, undefined, 'diverged', seed), error, durations: { trainSec, evalSec: 0 } };
}

/** The skip evaluation of a diverged hybrid: diverged too. */
export function divergedSkipRun(spec: RunSpec, run: StudyRun, mode: 'mixer' | 'block'): StudyRun {
  return { ...run, id: skipRunId(spec.id, mode), label: skipRunLabel(spec.mixer, mode), group: 'hybrid-skip', skip: mode, evaluatedFrom: spec.id };
}

/**
 * The study's results from its runs (in the study's order: seed by seed, each run followed by its
 * skip evaluations) and its synthetic suite. Records the active backend, the registered mixers'
 * package versions and the date.
 */
export function assembleStudyResults(o: ValidatedStudyConfig, runs: StudyRun[], synthetic?: SyntheticSuiteResults): StudyResults {
  const preset = getPreset(o.preset);
  const lmClaims: LmClaim[] | null = o.suites.includes('lm') ? judgeLmClaims(runs, Math.log(preset.model.vocabSize)) : null;
  const config: StudyConfig = {
    preset: o.preset,
    steps: o.steps,
    seed: o.seed,
    backend: tf.getBackend(),
    mixers: o.mixers,
    configs: o.configs,
    placements: o.placements,
    skipModes: [...o.skipModes],
    tasks: o.tasks,
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength,
    suites: o.suites,
    seeds: o.seedList,
    ...(o.synthetic ? { synthetic: o.synthetic } : {}),
    date: new Date().toISOString(),
    gitHash: o.gitHash,
    versions: Object.fromEntries(listMixers().map((d) => [d.packageName, d.packageVersion])),
  };
  // Compute spent on the runs, across resumptions (a resumed study reuses finished runs).
  const lmSec = runs.filter((r) => r.group !== 'hybrid-skip').reduce((s, r) => s + r.durations.trainSec + r.durations.evalSec, 0) + runs.filter((r) => r.group === 'hybrid-skip').reduce((s, r) => s + r.durations.evalSec, 0);
  const summary = summarizeRuns(runs);
  return {
    format: 'deconattn-study/1',
    config,
    runs,
    pattern: runs.length ? checkPattern(runs.filter((r) => r.seed === o.seed)) : [],
    summary,
    claims: studyClaims(lmClaims, synthetic?.claims ?? null),
    rankCorrelation: runs.length ? paperRankCorrelation(summary) : null,
    ...(synthetic ? { synthetic } : {}),
    durationSec: lmSec + (synthetic?.durationSec ?? 0),
  };
}
