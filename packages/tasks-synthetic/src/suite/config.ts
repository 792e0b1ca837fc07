import { DeconattnError, didYouMean } from '@deconattn/core';
import { PLAN_PRESETS, type LayerPlan, type PlanPreset, type SkipMode } from '@deconattn/hybrid';
import { getRung, getTask } from '../tasks/registry.js';
import type { SplitName } from '../tasks/types.js';
import { TINY_SYNTHETIC, type SyntheticModelSize } from '../train/task-model.js';
import type { SyntheticTrainOptions } from '../train/trainer.js';

/** The grid a synthetic suite runs. */
export interface SyntheticSuiteConfig {
  /** Tasks and, for each, the rungs to run (ids from the task's ladder). */
  tasks: { task: string; rungs: string[] }[];
  /** Relaxed mixers. Standard attention always runs once, uniform, as the reference. */
  mixers: string[];
  /**
   * Layer configurations of the relaxed mixers: 'uniform', 'hybrid', or any other plan preset
   * (the paper's placements: first, last, bilateral, 25%, …).
   */
  configurations: string[];
  /** Skip modes evaluated on every model that mixes standard and relaxed layers. */
  skips: SkipMode[];
  /** One training per seed; every figure is a mean over them. */
  seeds: number[];
  /** Learning rates tried per model (best on validation is kept): one list for all, or per mixer id ('standard' included). */
  lrGrid: number[] | Record<string, number[]>;
  model?: SyntheticModelSize;
  train?: Partial<Omit<SyntheticTrainOptions, 'lr'>>;
  /** Examples per split (defaults: the task's). */
  sizes?: Partial<Record<SplitName, number>>;
  /** Confidence level of every interval (default 0.95). */
  level?: number;
}

/** One model of the grid: standard, or a relaxed mixer in a configuration. */
export interface SuiteModel {
  /** Stable id, also a directory name: `standard`, `uniform-mlp`, `hybrid-mlp`, `25pct-mlp`. */
  id: string;
  label: string;
  mixer: string;
  configuration: string;
  plan: LayerPlan;
}

/** Checks a suite configuration (tasks, rungs, configurations, seeds, grids) before anything runs. */
export function validateSuiteConfig(c: SyntheticSuiteConfig): void {
  if (!Array.isArray(c.tasks) || !c.tasks.length) throw new DeconattnError(`Suite option 'tasks' must list at least one {task, rungs}, e.g. [{"task":"mqar","rungs":["r0","r1"]}].`);
  for (const t of c.tasks) {
    const task = getTask(t.task);
    if (!Array.isArray(t.rungs) || !t.rungs.length) throw new DeconattnError(`Suite task '${t.task}' lists no rungs. Rungs: ${task.rungs.map((r) => r.id).join(', ')}.`);
    for (const r of t.rungs) getRung(task, r);
  }
  if (!Array.isArray(c.mixers)) throw new DeconattnError(`Suite option 'mixers' must be a list of mixer ids (e.g. ["mlp","approximate"]); [] runs standard alone.`);
  for (const k of c.configurations) {
    if (!(PLAN_PRESETS as readonly string[]).includes(k)) {
      const hint = didYouMean(k, PLAN_PRESETS);
      throw new DeconattnError(`Unknown configuration '${k}'.${hint ? ` Did you mean '${hint}'?` : ''} Configurations: ${PLAN_PRESETS.join(', ')}.`);
    }
  }
  for (const s of c.skips) if (s !== 'mixer' && s !== 'block') throw new DeconattnError(`Unknown skip mode '${String(s)}'. Skip modes: mixer, block.`);
  if (!Array.isArray(c.seeds) || !c.seeds.length || c.seeds.some((s) => !Number.isSafeInteger(s))) throw new DeconattnError(`Suite option 'seeds' must list integer seeds, e.g. [0, 1, 2]; got ${JSON.stringify(c.seeds)}.`);
  if (new Set(c.seeds).size !== c.seeds.length) throw new DeconattnError(`Suite option 'seeds' lists a seed twice: ${JSON.stringify(c.seeds)}.`);
  for (const m of ['standard', ...c.mixers]) {
    const grid = lrGridFor(c, m);
    if (!grid.length || grid.some((x) => !(typeof x === 'number' && x > 0 && Number.isFinite(x)))) throw new DeconattnError(`The learning-rate grid for '${m}' must list positive rates, got ${JSON.stringify(grid)}.`);
  }
  const level = c.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new DeconattnError(`Suite option 'level' must be between 0 and 1 (e.g. 0.95), got ${level}.`);
}

export function lrGridFor(c: SyntheticSuiteConfig, mixer: string): number[] {
  if (Array.isArray(c.lrGrid)) return c.lrGrid;
  const g = c.lrGrid[mixer];
  if (!g) throw new DeconattnError(`Suite option 'lrGrid' has no learning rates for '${mixer}'. Give a list for every mixer (and 'standard'), or one list for all.`);
  return g;
}

/** The models of a suite: standard first, then each mixer in each configuration, in the order given. */
export function suiteModels(c: SyntheticSuiteConfig): SuiteModel[] {
  const out: SuiteModel[] = [{ id: 'standard', label: 'standard', mixer: 'standard', configuration: 'uniform', plan: { preset: 'uniform', mixer: 'standard' } }];
  for (const k of c.configurations) {
    for (const m of c.mixers) {
      if (m === 'standard') continue;
      const id = `${k.replace('%', 'pct')}-${m}`;
      out.push({ id, label: `${k} ${m}`, mixer: m, configuration: k, plan: { preset: k as PlanPreset, mixer: m } });
    }
  }
  return out;
}

/** The model size a suite uses. */
export function suiteModelSize(c: SyntheticSuiteConfig): SyntheticModelSize {
  return c.model ?? TINY_SYNTHETIC;
}
