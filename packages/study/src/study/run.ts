import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, listMixers, resolveMixer } from '@deconattn/core';
import { BACKENDS, defaultBackend, type BackendName } from '@deconattn/hybrid';
import { NonFiniteLossError, getPreset, type LanguageModel, type StepLog } from '@deconattn/hybrid';
import { loadCheckpoint, loadTokenizer, trainRun, useBackend, writeJsonAtomic } from '@deconattn/hybrid/node';
import { selectTasks } from '@deconattn/eval-glue/node';
import { evaluateModel, type EvalSettings } from './evaluate-run.js';
import { DEFAULT_SKIP_MODES, RELAXED as FIRST_PARTY_RELAXED, skipRunId, skipRunLabel, studyRuns, type RunSpec, type StudyConfigName } from './runs.js';
import type { SuiteEvent, SyntheticSuiteConfig, SyntheticSuiteResults } from '@deconattn/tasks-synthetic';
import { checkPattern } from './pattern.js';
import { studyEta } from './eta.js';
import { summarizeRuns } from './summary.js';
import { judgeLmClaims, type LmClaim } from './lm-claims.js';
import { studyClaims } from './claims.js';
import { paperRankCorrelation } from './rank-correlation.js';
import { runStudySynthetic, syntheticSuiteConfig, type StudySyntheticInput } from './synthetic.js';
import type { StudyConfig, StudyResults, StudyRun, StudySuite } from './types.js';

export const SUITES: readonly StudySuite[] = ['lm', 'synthetic'];

/**
 * What a study runs. Every field but `out` has a default (STUDY_DEFAULTS); `runStudy` checks all
 * of them (mixers registered, tasks known, placements, skip modes, backend, numbers) before it
 * trains anything.
 */
export interface StudyConfigInput {
  /** The study directory (resumable: finished runs are reused). */
  out: string;
  preset?: string;
  /** Training steps per run (default: the preset's). Give `steps` or `tokens`, not both. */
  steps?: number;
  /** Training tokens per run, turned into steps of the preset's batch. */
  tokens?: number;
  /** The first seed; with `seeds` N, every model is trained at seeds seed, seed + 1, …, seed + N − 1. */
  seed?: number;
  /** How many times every model is trained (both suites), each time with its own seed. */
  seeds?: number;
  /** Which halves of the study run: the language-model suite ('lm'), the synthetic tasks ('synthetic'), or both. */
  suites?: StudySuite[];
  /** The synthetic suite's tasks, rungs, model size and training (defaults: SYNTHETIC_DEFAULTS). */
  synthetic?: StudySyntheticInput;
  backend?: string;
  /** Relaxed mixers to compare with standard attention. */
  mixers?: string[];
  configs?: StudyConfigName[];
  placements?: string[];
  skipModes?: ('mixer' | 'block')[];
  /** Zero-shot tasks (`wikitext` is measured separately, see `wikitextDocs`). */
  tasks?: string[];
  /** Documents per zero-shot task. */
  limit?: number;
  wikitextDocs?: number;
  analysisSequences?: number;
  /** Tokens per diagnostic sequence. */
  analysisLength?: number;
  gitHash?: string;
}

/** The config after validation: every field set. */
export interface ValidatedStudyConfig extends Required<Omit<StudyConfigInput, 'tokens' | 'gitHash' | 'synthetic'>> {
  gitHash?: string;
  /** The seeds every model is trained with, first seed first. */
  seedList: number[];
  /** The synthetic suite to run (null when 'synthetic' is not among the suites). */
  synthetic: SyntheticSuiteConfig | null;
}

export const STUDY_DEFAULTS = {
  preset: 'tiny',
  seed: 0,
  seeds: 1,
  suites: ['lm'] as StudySuite[],
  mixers: FIRST_PARTY_RELAXED,
  configs: ['uniform', 'hybrid', 'skip'] as StudyConfigName[],
  placements: [] as string[],
  skipModes: [...DEFAULT_SKIP_MODES] as ('mixer' | 'block')[],
  tasks: ['arc_easy', 'boolq', 'copa', 'rte', 'lambada_openai'],
  limit: 100,
  wikitextDocs: 4,
  analysisSequences: 8,
  analysisLength: 64,
} as const;

export interface StudyHooks {
  /** Progress for people and programs: which run, step, loss, ETA. Throwing stops the study. */
  onEvent?: (e: StudyEvent) => void;
}

export type StudyEvent =
  | { kind: 'run-start'; index: number; total: number; run: RunSpec; resumed: boolean; seed: number }
  | { kind: 'run-reused'; index: number; total: number; id: string; seed: number }
  | { kind: 'step'; index: number; total: number; run: RunSpec; log: StepLog; steps: number; etaSec: number | null; seed: number }
  | { kind: 'phase'; id: string; what: string }
  | { kind: 'run-done'; id: string; status: StudyRun['status']; seconds: number; seed: number }
  /** Progress of the synthetic suite (cells, learning-rate trials, steps). */
  | { kind: 'synthetic'; event: SuiteEvent };

function checkInt(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DeconattnError(`Study option '${field}' must be ${min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got ${JSON.stringify(v)}.`);
  }
  return v;
}

/**
 * Checks a study's config and fills in the defaults, before anything is trained or written: the
 * preset, step budget, mixers (registered, or loadable), configurations, placements, skip modes,
 * zero-shot task names and the backend. Errors name the config field.
 */
export async function validateStudyConfig(c: StudyConfigInput): Promise<ValidatedStudyConfig> {
  if (!c || typeof c.out !== 'string' || !c.out) throw new DeconattnError(`Study option 'out' must name the study directory, got ${JSON.stringify(c?.out)}.`);
  const preset = getPreset(c.preset ?? STUDY_DEFAULTS.preset);
  if (c.steps !== undefined && c.tokens !== undefined) throw new DeconattnError("Give study option 'steps' or study option 'tokens', not both.");
  const steps =
    c.tokens !== undefined
      ? Math.max(1, Math.ceil(checkInt('tokens', c.tokens, 1) / (preset.train.batchSize * preset.train.seqLen)))
      : checkInt('steps', c.steps ?? preset.train.steps, 1);
  const suites = [...(c.suites ?? STUDY_DEFAULTS.suites)];
  if (!Array.isArray(c.suites ?? []) || !suites.length || suites.some((x) => !SUITES.includes(x))) throw new DeconattnError(`Study option 'suites' must list one or both of ${SUITES.join(', ')}, got ${JSON.stringify(c.suites)}.`);
  const backend = c.backend ?? defaultBackend();
  if (!BACKENDS.includes(backend as BackendName)) throw new DeconattnError(`Study option 'backend' is '${backend}'; backends: ${BACKENDS.join(', ')}.`);
  const v: ValidatedStudyConfig = {
    out: c.out,
    preset: preset.name,
    steps,
    seed: checkInt('seed', c.seed ?? STUDY_DEFAULTS.seed, 0),
    seeds: checkInt('seeds', c.seeds ?? STUDY_DEFAULTS.seeds, 1),
    seedList: [],
    suites: [...new Set(suites)],
    synthetic: null,
    backend,
    mixers: [...(c.mixers ?? STUDY_DEFAULTS.mixers)],
    configs: [...(c.configs ?? STUDY_DEFAULTS.configs)],
    placements: [...(c.placements ?? STUDY_DEFAULTS.placements)],
    skipModes: [...(c.skipModes ?? STUDY_DEFAULTS.skipModes)],
    tasks: [...(c.tasks ?? STUDY_DEFAULTS.tasks)],
    limit: checkInt('limit', c.limit ?? STUDY_DEFAULTS.limit, 1),
    wikitextDocs: checkInt('wikitextDocs', c.wikitextDocs ?? STUDY_DEFAULTS.wikitextDocs, 0),
    analysisSequences: checkInt('analysisSequences', c.analysisSequences ?? STUDY_DEFAULTS.analysisSequences, 1),
    // Local focus 3 needs at least 4 tokens.
    analysisLength: checkInt('analysisLength', c.analysisLength ?? STUDY_DEFAULTS.analysisLength, 4),
    gitHash: c.gitHash,
  };
  // Unknown ids fail now, with the registered list and the closest match.
  for (const m of v.mixers) await resolveMixer(m);
  v.seedList = Array.from({ length: v.seeds }, (_, i) => v.seed + i);
  // Unknown tasks fail now too: evaluation records a failing task as skipped and goes on, which
  // would only show after every run was trained.
  selectTasks(v.tasks.filter((t) => t !== 'wikitext'), 'zeroShot');
  studyRuns(v.mixers, v.configs, v.placements, v.skipModes);
  if (v.suites.includes('synthetic')) {
    v.synthetic = syntheticSuiteConfig(c.synthetic, { mixers: v.mixers, configs: v.configs, placements: v.placements, skipModes: v.skipModes, seeds: v.seedList });
    for (const m of v.synthetic.mixers) await resolveMixer(m);
  }
  return v;
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
function identity(o: ValidatedStudyConfig, steps: number) {
  return { preset: o.preset, steps, seed: o.seed, backend: o.backend, mixers: o.mixers, configs: o.configs, placements: o.placements, skipModes: o.skipModes, tasks: o.tasks, limit: o.limit, wikitextDocs: o.wikitextDocs, analysisSequences: o.analysisSequences, analysisLength: o.analysisLength };
}

/** Where a seed's runs live: the first seed's in `<out>/runs` (as before seeds existed), the others' in `<out>/seed-<s>/runs`. */
export function seedRoot(out: string, seed: number, firstSeed: number): string {
  return seed === firstSeed ? out : path.join(out, `seed-${seed}`);
}

/**
 * Train and evaluate every run of the study, resumably: each finished run leaves
 * `runs/<id>/result.json` (`seed-<s>/runs/<id>/result.json` for the seeds after the first), a
 * killed run resumes from its newest checkpoint, and a study directory refuses settings other
 * than its own. The synthetic suite keeps its finished cells in `<out>/synthetic`. The whole
 * config (both suites) is validated, and the backend activated, before anything is trained.
 */
export async function runStudy(input: StudyConfigInput, hooks: StudyHooks = {}): Promise<StudyResults> {
  const o = await validateStudyConfig(input);
  await useBackend(o.backend);
  const onEvent = hooks.onEvent;
  const preset = getPreset(o.preset);
  const steps = o.steps;
  let runs: StudyRun[] = [];
  let lmClaims: LmClaim[] | null = null;
  if (o.suites.includes('lm')) {
    runs = await runLanguageModels(o, onEvent);
    lmClaims = judgeLmClaims(runs, Math.log(preset.model.vocabSize));
  }
  let synthetic: SyntheticSuiteResults | undefined;
  if (o.synthetic) synthetic = await runStudySynthetic(o.out, o.synthetic, onEvent && ((event) => onEvent({ kind: 'synthetic', event })));
  const config: StudyConfig = {
    preset: o.preset,
    steps,
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

/** The language-model suite: every run at every seed, resumably. */
async function runLanguageModels(o: ValidatedStudyConfig, onEvent: StudyHooks['onEvent']): Promise<StudyRun[]> {
  const preset = getPreset(o.preset);
  const steps = o.steps;
  const id = identity(o, steps);
  const studyFile = path.join(o.out, 'study.json');
  const existing = readJson<{ identity: unknown }>(studyFile);
  if (existing && JSON.stringify(existing.identity) !== JSON.stringify(id)) {
    throw new DeconattnError(
      `${o.out} holds a study with other settings (${JSON.stringify(existing.identity)}). Resuming would mix results of different configurations: use another study directory ('out'), or delete ${o.out} to start over.`,
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
    analysisLength: o.analysisLength,
    seqLen: preset.train.seqLen,
    heldOutWindows: 64,
    cacheDir: path.join(o.out, '.eval-cache'),
  };
  const runs: StudyRun[] = [];
  const trainedSeconds: number[] = [];
  const total = specs.length * o.seedList.length;
  for (let k = 0; k < total; k++) {
    const i = k % specs.length;
    const seed = o.seedList[Math.floor(k / specs.length)]!;
    const root = seedRoot(o.out, seed, o.seed);
    const spec = specs[i]!;
    const dir = path.join(root, 'runs', spec.id);
    const resultFile = path.join(dir, 'result.json');
    const done = readJson<StudyRun>(resultFile);
    const skipsDone = spec.skips.map((m) => readJson<StudyRun>(path.join(root, 'runs', skipRunId(spec.id, m), 'result.json')));
    if (done && skipsDone.every(Boolean)) {
      onEvent?.({ kind: 'run-reused', index: k, total, id: spec.id, seed });
      // Results saved before seeds existed have none: theirs is the study's seed.
      runs.push(...[done, ...(skipsDone as StudyRun[])].map((r) => ({ ...r, seed: r.seed ?? seed })));
      continue;
    }
    const started = performance.now();
    const resumed = fs.existsSync(path.join(dir, 'checkpoints'));
    onEvent?.({ kind: 'run-start', index: k, total, run: spec, resumed, seed });
    let model: LanguageModel | undefined;
    let run: StudyRun;
    const skipRuns: StudyRun[] = [];
    try {
      let startStep = 0;
      const trained = await trainOrLoad(o, spec, dir, steps, seed, (resumedFrom) => (startStep = resumedFrom), (log) => {
        const eta = studyEta({ elapsedSec: (performance.now() - started) / 1000, step: log.step, startStep, steps, finishedRunSec: trainedSeconds, runsAfter: total - k - 1 });
        onEvent?.({ kind: 'step', index: k, total, run: spec, log, steps, etaSec: eta, seed });
      });
      model = trained.model;
      // A run whose training finished in an earlier invocation keeps that training time.
      const trainSec = trained.reloaded ? trained.train!.seconds : (performance.now() - started) / 1000;
      const evalStart = performance.now();
      const { metrics, analysis } = await evaluateModel(model, tokenizer, evalSettings, (what) => onEvent?.({ kind: 'phase', id: spec.id, what }));
      run = baseRun(spec, model, 'ok', seed);
      run.train = trained.train;
      run.metrics = metrics;
      run.analysis = analysis;
      run.durations = { trainSec, evalSec: (performance.now() - evalStart) / 1000 };
      for (const mode of spec.skips) {
        const skipStart = performance.now();
        model.skip = mode;
        onEvent?.({ kind: 'phase', id: skipRunId(spec.id, mode), what: `evaluating ${spec.label} with its relaxed layers skipped (${mode})` });
        const skipped = await evaluateModel(model, tokenizer, evalSettings);
        model.skip = null;
        const sr: StudyRun = {
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
        writeJsonAtomic(path.join(root, 'runs', sr.id, 'result.json'), sr);
        skipRuns.push(sr);
      }
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      // The paper's finding for uniform non-approximate: report the divergence, keep going.
      run = { ...baseRun(spec, undefined, 'diverged', seed), error: e.message, durations: { trainSec: (performance.now() - started) / 1000, evalSec: 0 } };
      for (const mode of spec.skips) {
        const sr: StudyRun = { ...run, id: skipRunId(spec.id, mode), label: skipRunLabel(spec.mixer, mode), group: 'hybrid-skip', skip: mode, evaluatedFrom: spec.id };
        writeJsonAtomic(path.join(root, 'runs', sr.id, 'result.json'), sr);
        skipRuns.push(sr);
      }
    } finally {
      model?.dispose();
    }
    writeJsonAtomic(resultFile, run);
    runs.push(run, ...skipRuns);
    trainedSeconds.push((performance.now() - started) / 1000);
    onEvent?.({ kind: 'run-done', id: spec.id, status: run.status, seconds: (performance.now() - started) / 1000, seed });
  }
  return runs;
}

function baseRun(spec: RunSpec, model: LanguageModel | undefined, status: StudyRun['status'], seed: number): StudyRun {
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

/** Train the run (resuming a killed one), or load it when training finished but evaluation did not. */
async function trainOrLoad(o: ValidatedStudyConfig, spec: RunSpec, dir: string, steps: number, seed: number, onResume: (fromStep: number) => void, onLog: (l: StepLog) => void): Promise<{ model: LanguageModel; train: StudyRun['train']; reloaded: boolean }> {
  const finished = readJson<{ steps: number; seconds: number; finalLoss: number; history: StepLog[] }>(path.join(dir, 'trained.json'));
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
    train: { steps, checkpointInterval: Math.max(50, Math.ceil(steps / 4)) },
    onStart: (info) => onResume(info.resumedFromStep),
    onLog: (log) => onLog(log),
  });
  const train = { steps, seconds: r.seconds, finalLoss: r.history.at(-1)?.loss ?? NaN, history: r.history };
  writeJsonAtomic(path.join(dir, 'trained.json'), train);
  return { model: r.model, train, reloaded: false };
}
