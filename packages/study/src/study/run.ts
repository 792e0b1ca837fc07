import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError, resolveMixer } from '@deconattn/core';
import { BACKENDS, defaultBackend, type BackendName } from '@deconattn/hybrid';
import { NonFiniteLossError, getPreset, type LanguageModel, type StepLog } from '@deconattn/hybrid';
import { loadTokenizer, useBackend, writeJsonAtomic } from '@deconattn/hybrid/node';
import { selectTasks } from '@deconattn/eval-glue/node';
import { DEFAULT_SKIP_MODES, RELAXED as FIRST_PARTY_RELAXED, skipRunId, studyRuns, type RunSpec, type StudyConfigName } from './runs.js';
import type { SuiteEvent, SyntheticSuiteConfig, SyntheticSuiteResults } from '@deconattn/tasks-synthetic';
import { studyEta } from './eta.js';
import { runStudySynthetic, syntheticSuiteConfig, type StudySyntheticInput } from './synthetic.js';
import { assembleStudyResults, claimStudyDirectory, divergedRun, divergedSkipRun, evaluateSkipRun, evaluateStudyRun, readJson, studyEvalSettings, trainStudyRun } from './pieces.js';
import type { StudyResults, StudyRun, StudySuite } from './types.js';

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
  const runs = o.suites.includes('lm') ? await runLanguageModels(o, onEvent) : [];
  let synthetic: SyntheticSuiteResults | undefined;
  if (o.synthetic) synthetic = await runStudySynthetic(o.out, o.synthetic, onEvent && ((event) => onEvent({ kind: 'synthetic', event })));
  return assembleStudyResults(o, runs, synthetic);
}

/** The language-model suite: every run at every seed, resumably. */
async function runLanguageModels(o: ValidatedStudyConfig, onEvent: StudyHooks['onEvent']): Promise<StudyRun[]> {
  const preset = getPreset(o.preset);
  const steps = o.steps;
  const specs = studyRuns(o.mixers, o.configs, o.placements, o.skipModes); // validates before anything is written
  claimStudyDirectory(o, o.out);
  const tokenizer = await loadTokenizer(preset.tokenizer);
  const evalSettings = studyEvalSettings(o, o.out);
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
      const trained = await trainStudyRun(o, spec, dir, seed, {
        onResume: (resumedFrom) => (startStep = resumedFrom),
        onLog: (log) => {
          const eta = studyEta({ elapsedSec: (performance.now() - started) / 1000, step: log.step, startStep, steps, finishedRunSec: trainedSeconds, runsAfter: total - k - 1 });
          onEvent?.({ kind: 'step', index: k, total, run: spec, log, steps, etaSec: eta, seed });
        },
      });
      model = trained.model;
      // A run whose training finished in an earlier invocation keeps that training time.
      const trainSec = trained.reloaded ? trained.train.seconds : (performance.now() - started) / 1000;
      run = await evaluateStudyRun(spec, trained, seed, trainSec, tokenizer, evalSettings, (what) => onEvent?.({ kind: 'phase', id: spec.id, what }));
      for (const mode of spec.skips) {
        onEvent?.({ kind: 'phase', id: skipRunId(spec.id, mode), what: `evaluating ${spec.label} with its relaxed layers skipped (${mode})` });
        const sr = await evaluateSkipRun(spec, model, mode, seed, tokenizer, evalSettings);
        writeJsonAtomic(path.join(root, 'runs', sr.id, 'result.json'), sr);
        skipRuns.push(sr);
      }
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      // The paper's finding for uniform non-approximate: report the divergence, keep going.
      run = divergedRun(spec, seed, e.message, (performance.now() - started) / 1000);
      for (const mode of spec.skips) {
        const sr = divergedSkipRun(spec, run, mode);
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
