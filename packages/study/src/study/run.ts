import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, listMixers } from '@deconattn/core';
import { NonFiniteLossError, getPreset, loadCheckpoint, loadTokenizer, trainRun, type LanguageModel, type StepLog } from '@deconattn/hybrid';
import { evaluateModel, type EvalSettings } from './evaluate-run.js';
import { skipRunId, studyRuns, type RunSpec, type StudyConfigName } from './runs.js';
import { checkPattern } from './pattern.js';
import { studyEta } from './eta.js';
import type { StudyConfig, StudyResults, StudyRun } from './types.js';

export interface StudyOptions {
  out: string;
  preset: string;
  steps?: number;
  seed: number;
  backend: string;
  mixers: string[];
  configs: StudyConfigName[];
  placements: string[];
  skipModes?: ('mixer' | 'block')[];
  tasks: string[];
  limit: number;
  wikitextDocs: number;
  analysisSequences: number;
  /** Tokens per diagnostic sequence (default 64). */
  analysisLength?: number;
  gitHash?: string;
  /** Progress for people: which run, step, loss, ETA. */
  onEvent?: (e: StudyEvent) => void;
}

export type StudyEvent =
  | { kind: 'run-start'; index: number; total: number; run: RunSpec; resumed: boolean }
  | { kind: 'run-reused'; index: number; total: number; id: string }
  | { kind: 'step'; index: number; total: number; run: RunSpec; log: StepLog; steps: number; etaSec: number | null }
  | { kind: 'phase'; id: string; what: string }
  | { kind: 'run-done'; id: string; status: StudyRun['status']; seconds: number };

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined; // a torn file from a killed run: recompute
  }
}

/** The settings that define a study; resuming with different ones would mix results. */
function identity(o: StudyOptions, steps: number) {
  return { preset: o.preset, steps, seed: o.seed, backend: o.backend, mixers: o.mixers, configs: o.configs, placements: o.placements, skipModes: o.skipModes ?? ['mixer'], tasks: o.tasks, limit: o.limit, wikitextDocs: o.wikitextDocs, analysisSequences: o.analysisSequences, analysisLength: o.analysisLength ?? 64 };
}

/**
 * Train and evaluate every run of the study, resumably: each finished run leaves
 * `runs/<id>/result.json`, a killed run resumes from its newest checkpoint, and a study
 * directory refuses settings other than its own.
 */
export async function runStudy(o: StudyOptions): Promise<StudyResults> {
  const preset = getPreset(o.preset);
  const steps = o.steps ?? preset.train.steps;
  const id = identity(o, steps);
  const studyFile = path.join(o.out, 'study.json');
  const existing = readJson<{ identity: unknown }>(studyFile);
  if (existing && JSON.stringify(existing.identity) !== JSON.stringify(id)) {
    throw new DeconattnError(
      `${o.out} holds a study with other settings (${JSON.stringify(existing.identity)}). Resuming would mix results of different configurations: use another --out, or delete ${o.out} to start over.`,
    );
  }
  const specs = studyRuns(o.mixers, o.configs, o.placements, o.skipModes); // validates before anything is written
  writeJsonAtomic(studyFile, { identity: id });
  const tokenizer = await loadTokenizer(preset.tokenizer);
  const evalSettings: EvalSettings = {
    tasks: o.tasks,
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength ?? 64,
    seqLen: preset.train.seqLen,
    heldOutWindows: 64,
    cacheDir: path.join(o.out, '.eval-cache'),
  };
  const runs: StudyRun[] = [];
  const trainedSeconds: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const dir = path.join(o.out, 'runs', spec.id);
    const resultFile = path.join(dir, 'result.json');
    const done = readJson<StudyRun>(resultFile);
    const skipsDone = spec.skips.map((m) => readJson<StudyRun>(path.join(o.out, 'runs', skipRunId(spec.id, m), 'result.json')));
    if (done && skipsDone.every(Boolean)) {
      o.onEvent?.({ kind: 'run-reused', index: i, total: specs.length, id: spec.id });
      runs.push(done, ...(skipsDone as StudyRun[]));
      continue;
    }
    const started = performance.now();
    const resumed = fs.existsSync(path.join(dir, 'checkpoints'));
    o.onEvent?.({ kind: 'run-start', index: i, total: specs.length, run: spec, resumed });
    let model: LanguageModel | undefined;
    let run: StudyRun;
    try {
      let startStep = 0;
      const trained = await trainOrLoad(o, spec, dir, steps, (resumedFrom) => (startStep = resumedFrom), (log) => {
        const eta = studyEta({ elapsedSec: (performance.now() - started) / 1000, step: log.step, startStep, steps, finishedRunSec: trainedSeconds, runsAfter: specs.length - i - 1 });
        o.onEvent?.({ kind: 'step', index: i, total: specs.length, run: spec, log, steps, etaSec: eta });
      });
      model = trained.model;
      // A run whose training finished in an earlier invocation keeps that training time.
      const trainSec = trained.reloaded ? trained.train!.seconds : (performance.now() - started) / 1000;
      const evalStart = performance.now();
      const { metrics, analysis } = await evaluateModel(model, tokenizer, evalSettings, (what) => o.onEvent?.({ kind: 'phase', id: spec.id, what }));
      run = baseRun(spec, model, 'ok');
      run.train = trained.train;
      run.metrics = metrics;
      run.analysis = analysis;
      run.durations = { trainSec, evalSec: (performance.now() - evalStart) / 1000 };
      for (const mode of spec.skips) {
        const skipStart = performance.now();
        model.skip = mode;
        o.onEvent?.({ kind: 'phase', id: skipRunId(spec.id, mode), what: `evaluating ${spec.label} with its relaxed layers skipped (${mode})` });
        const skipped = await evaluateModel(model, tokenizer, evalSettings);
        model.skip = null;
        const sr: StudyRun = {
          ...baseRun(spec, model, 'ok'),
          id: skipRunId(spec.id, mode),
          label: `hybrid-skip${mode === 'block' ? ' (block)' : ''} ${spec.mixer}`,
          group: 'hybrid-skip',
          skip: mode,
          evaluatedFrom: spec.id,
          plan: { ...spec.plan, skip: mode },
          metrics: skipped.metrics,
          analysis: skipped.analysis,
          durations: { trainSec: 0, evalSec: (performance.now() - skipStart) / 1000 },
        };
        writeJsonAtomic(path.join(o.out, 'runs', sr.id, 'result.json'), sr);
        runs.push(sr);
      }
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      // The paper's finding for uniform non-approximate: report the divergence, keep going.
      run = { ...baseRun(spec, undefined, 'diverged'), error: e.message, durations: { trainSec: (performance.now() - started) / 1000, evalSec: 0 } };
      for (const mode of spec.skips) {
        const sr: StudyRun = { ...run, id: skipRunId(spec.id, mode), label: `hybrid-skip ${spec.mixer}`, group: 'hybrid-skip', skip: mode, evaluatedFrom: spec.id };
        writeJsonAtomic(path.join(o.out, 'runs', sr.id, 'result.json'), sr);
        runs.push(sr);
      }
    } finally {
      model?.dispose();
    }
    writeJsonAtomic(resultFile, run);
    runs.splice(runs.length - spec.skips.length, 0, run);
    trainedSeconds.push((performance.now() - started) / 1000);
    o.onEvent?.({ kind: 'run-done', id: spec.id, status: run.status, seconds: (performance.now() - started) / 1000 });
  }
  const config: StudyConfig = {
    preset: o.preset,
    steps,
    seed: o.seed,
    backend: tf.getBackend(),
    mixers: o.mixers,
    configs: o.configs,
    placements: o.placements,
    tasks: o.tasks,
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength ?? 64,
    date: new Date().toISOString(),
    gitHash: o.gitHash,
    versions: Object.fromEntries(listMixers().map((d) => [d.packageName, d.packageVersion])),
  };
  // Compute spent on the runs, across resumptions (a resumed study reuses finished runs).
  const durationSec = runs.filter((r) => r.group !== 'hybrid-skip').reduce((s, r) => s + r.durations.trainSec + r.durations.evalSec, 0) + runs.filter((r) => r.group === 'hybrid-skip').reduce((s, r) => s + r.durations.evalSec, 0);
  return { format: 'deconattn-study/1', config, runs, pattern: checkPattern(runs), durationSec };
}

function baseRun(spec: RunSpec, model: LanguageModel | undefined, status: StudyRun['status']): StudyRun {
  return {
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

/** Train the run (resuming a killed one), or load it when training finished but evaluation did not. */
async function trainOrLoad(o: StudyOptions, spec: RunSpec, dir: string, steps: number, onResume: (fromStep: number) => void, onLog: (l: StepLog) => void): Promise<{ model: LanguageModel; train: StudyRun['train']; reloaded: boolean }> {
  const finished = readJson<{ steps: number; seconds: number; finalLoss: number; history: StepLog[] }>(path.join(dir, 'trained.json'));
  if (finished && finished.steps === steps) {
    const ck = await loadCheckpoint(dir);
    return { model: ck.model, train: finished, reloaded: true };
  }
  const r = await trainRun({
    preset: o.preset,
    plan: spec.plan,
    seed: o.seed,
    outDir: dir,
    resume: true,
    train: { steps, checkpointInterval: Math.max(50, Math.ceil(steps / 4)) },
    onStart: (info) => onResume(info.resumedFromStep),
    onLog: (log) => onLog(log),
  });
  const train = { steps, seconds: r.seconds, finalLoss: r.history.at(-1)?.loss ?? NaN, history: r.history };
  writeJsonAtomic(path.join(dir, 'trained.json'), train);
  return { model: r.model, train, reloaded: false };
}
