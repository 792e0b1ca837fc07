import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, listMixers } from '@deconattn/core';
import { buildTaskData, type TaskData } from '../tasks/dataset.js';
import { runWithLrGrid, type LrTrial } from '../run/cell.js';
import type { SyntheticStepLog } from '../train/trainer.js';
import { SYNTHETIC_TRAIN_DEFAULTS } from '../train/trainer.js';
import { taskBaselines, type TaskBaselines } from '../stats/baselines.js';
import type { EfficiencyFigures } from '../report/efficiency.js';
import { lrGridFor, suiteModelSize, suiteModels, validateSuiteConfig, type SuiteModel, type SyntheticSuiteConfig } from './config.js';
import { summarizeCells, type SuiteCell, type SummaryEntry } from './summary.js';
import { DEFAULT_CLAIM_MARGINS, judgeSyntheticClaims, type ClaimMargins, type SyntheticClaim } from './claims.js';
import { readJson, writeJsonAtomic } from './store.js';

export type SuiteEvent =
  | { kind: 'start'; cells: number; trainings: number }
  | { kind: 'cell-reused'; index: number; total: number; task: string; rung: string; model: SuiteModel; seed: number }
  | { kind: 'cell-start'; index: number; total: number; task: string; rung: string; model: SuiteModel; seed: number }
  | { kind: 'trial-start'; index: number; total: number; lr: number; trial: number; trials: number }
  | { kind: 'step'; index: number; total: number; lr: number; log: SyntheticStepLog; steps: number; etaSec: number | null }
  | { kind: 'trial-done'; index: number; total: number; trial: LrTrial }
  | { kind: 'cell-done'; index: number; total: number; cell: SuiteCell; seconds: number; etaSec: number | null };

export interface RunSuiteOptions {
  /** Progress for people: cells, learning-rate trials, steps, ETA. */
  onEvent?: (e: SuiteEvent) => void;
  /** Where each finished cell is written (atomically); a rerun with the same config reuses them. */
  outDir?: string;
  /** Margins of the paper's claims (defaults: DEFAULT_CLAIM_MARGINS). */
  margins?: ClaimMargins;
}

/** Efficiency of a model on a rung, from its first seed's chosen run. */
export interface SuiteEfficiency extends EfficiencyFigures {
  task: string;
  rung: string;
  model: string;
  mixer: string;
  configuration: string;
}

export interface SyntheticSuiteResults {
  format: 'deconattn-synthetic-suite/1';
  config: SyntheticSuiteConfig;
  models: SuiteModel[];
  cells: SuiteCell[];
  /** Mean test accuracy over seeds with its interval, per model, evaluation (trained / skipped) and rung. */
  summary: SummaryEntry[];
  baselines: ({ task: string; rung: string; seed: number } & TaskBaselines)[];
  efficiency: SuiteEfficiency[];
  /** The paper's five findings judged on each rung. */
  claims: SyntheticClaim[];
  backend: string;
  versions: Record<string, string>;
  /** Seconds spent on the cells, summed across resumptions. */
  durationSec: number;
}

/** What must match for a directory's finished cells to be reused. */
function identity(c: SyntheticSuiteConfig) {
  return { model: suiteModelSize(c), train: { ...SYNTHETIC_TRAIN_DEFAULTS, ...c.train }, sizes: c.sizes ?? null, backend: tf.getBackend() };
}

/**
 * Runs the grid: every model (standard, and each mixer in each configuration) on every task
 * rung at every seed, each with its learning-rate grid; skip evaluations on the hybrids. With
 * `outDir`, each finished cell is written to `cells/<task>/<rung>/<model>/seed-<s>.json` and a
 * rerun reuses it, so a killed suite continues where it stopped, and a larger suite (more seeds,
 * mixers or rungs) reuses the cells it shares with a smaller one. Results are JSON-serialisable.
 */
export async function runSyntheticSuite(config: SyntheticSuiteConfig, o: RunSuiteOptions = {}): Promise<SyntheticSuiteResults> {
  validateSuiteConfig(config);
  const models = suiteModels(config);
  const id = identity(config);
  if (o.outDir) {
    const file = path.join(o.outDir, 'suite.json');
    const prev = readJson<{ identity: unknown }>(file);
    if (prev && JSON.stringify(prev.identity) !== JSON.stringify(id)) {
      throw new DeconattnError(`${o.outDir} holds synthetic cells trained with other settings (${JSON.stringify(prev.identity)}); this suite uses ${JSON.stringify(id)}. Use another output directory, or delete it to start over.`);
    }
    writeJsonAtomic(file, { identity: id, config });
  }
  const plan: { task: string; rung: string; seed: number; model: SuiteModel }[] = [];
  for (const t of config.tasks) for (const rung of t.rungs) for (const seed of config.seeds) for (const m of models) plan.push({ task: t.task, rung, seed, model: m });
  const trainings = plan.reduce((n, p) => n + lrGridFor(config, p.model.mixer).length, 0);
  o.onEvent?.({ kind: 'start', cells: plan.length, trainings });
  const steps = config.train?.steps ?? SYNTHETIC_TRAIN_DEFAULTS.steps;
  const cells: SuiteCell[] = [];
  const baselines: SyntheticSuiteResults['baselines'] = [];
  const trialSeconds: number[] = [];
  let trainingsLeft = trainings;
  let durationSec = 0;
  const eta = (extraSteps: number): number | null => {
    if (!trialSeconds.length) return null;
    const perTrial = trialSeconds.reduce((a, b) => a + b, 0) / trialSeconds.length;
    return perTrial * trainingsLeft + (perTrial * extraSteps) / steps;
  };
  let data: TaskData | undefined;
  for (let index = 0; index < plan.length; index++) {
    const { task, rung, seed, model } = plan[index]!;
    const lrs = lrGridFor(config, model.mixer);
    if (!data || data.task !== task || data.rung !== rung || data.seed !== seed) {
      data = buildTaskData({ task, rung, seed, sizes: config.sizes });
      baselines.push({ task, rung, seed, ...taskBaselines(data) });
    }
    const file = o.outDir ? path.join(o.outDir, 'cells', task, rung, model.id, `seed-${seed}.json`) : undefined;
    const saved = file ? readJson<SuiteCell & { lrs: number[] }>(file) : undefined;
    if (saved && JSON.stringify(saved.lrs) === JSON.stringify(lrs) && JSON.stringify(saved.grid.best.plan) === JSON.stringify(model.plan)) {
      cells.push({ task, rung, model: model.id, seed, grid: saved.grid });
      durationSec += saved.grid.trials.reduce((s, t) => s + t.seconds, 0);
      trainingsLeft -= lrs.length;
      o.onEvent?.({ kind: 'cell-reused', index, total: plan.length, task, rung, model, seed });
      continue;
    }
    o.onEvent?.({ kind: 'cell-start', index, total: plan.length, task, rung, model, seed });
    const started = performance.now();
    let trial = 0;
    let currentLr = lrs[0]!;
    const grid = await runWithLrGrid(
      { task, rung, seed, plan: model.plan, model: suiteModelSize(config), train: config.train, sizes: config.sizes, skips: config.skips },
      lrs,
      {
        data,
        onStep: (log) => o.onEvent?.({ kind: 'step', index, total: plan.length, lr: currentLr, log, steps, etaSec: eta(steps - log.step) }),
        onTrialStart: (lr) => {
          currentLr = lr;
          o.onEvent?.({ kind: 'trial-start', index, total: plan.length, lr, trial: ++trial, trials: lrs.length });
        },
        onTrial: (t) => {
          trialSeconds.push(t.seconds);
          trainingsLeft--;
          o.onEvent?.({ kind: 'trial-done', index, total: plan.length, trial: t });
        },
      },
    );
    const cell: SuiteCell = { task, rung, model: model.id, seed, grid };
    if (file) writeJsonAtomic(file, { ...cell, lrs });
    cells.push(cell);
    const seconds = (performance.now() - started) / 1000;
    durationSec += seconds;
    o.onEvent?.({ kind: 'cell-done', index, total: plan.length, cell, seconds, etaSec: eta(0) });
  }
  const level = config.level ?? 0.95;
  const margins = o.margins ?? DEFAULT_CLAIM_MARGINS;
  const claims: SyntheticClaim[] = [];
  for (const t of config.tasks) {
    for (const rung of t.rungs) {
      const chance = baselines.find((b) => b.task === t.task && b.rung === rung)!.random;
      claims.push(...judgeSyntheticClaims(models, cells, t.task, rung, chance, margins, level));
    }
  }
  const efficiency: SuiteEfficiency[] = [];
  for (const m of models) {
    for (const t of config.tasks) {
      for (const rung of t.rungs) {
        const c = cells.find((x) => x.model === m.id && x.task === t.task && x.rung === rung && x.grid.best.efficiency);
        if (c) efficiency.push({ task: t.task, rung, model: m.id, mixer: m.mixer, configuration: m.configuration, ...c.grid.best.efficiency! });
      }
    }
  }
  return {
    format: 'deconattn-synthetic-suite/1',
    config,
    models,
    cells,
    summary: summarizeCells(models, cells, level),
    baselines,
    efficiency,
    claims,
    backend: tf.getBackend(),
    versions: Object.fromEntries(listMixers().map((d) => [d.packageName, d.packageVersion])),
    durationSec,
  };
}
