import { DeconattnError, didYouMean } from '@deconattn/core';
import { compressionGenerator } from './compression.js';
import { fuzzyRecallGenerator } from './fuzzy-recall.js';
import { inContextRecallGenerator, noisyRecallGenerator } from './in-context-recall.js';
import { memorizationGenerator } from './memorization.js';
import { mqarGenerator } from './mqar.js';
import { selectiveCopyingGenerator } from './selective-copying.js';
import { SYNTHETIC_TASKS } from './ladders.js';
import type { SyntheticTask, TaskGenerator, TaskRung } from './types.js';

const generators = new Map<string, TaskGenerator<any>>();
const tasks = new Map<string, SyntheticTask>();

/** Adds a generator (the code a task definition names). A different generator under a taken id needs `override`. */
export function registerTaskGenerator(g: TaskGenerator<any>, opts: { override?: boolean } = {}): void {
  const prev = generators.get(g.id);
  if (prev && prev !== g && !opts.override) throw new DeconattnError(`A task generator '${g.id}' is already registered; pass { override: true } to replace it.`);
  generators.set(g.id, g);
}

/**
 * Adds a task definition (data: generator id, ladder, split sizes). Every rung is validated
 * against its generator now, so a bad ladder fails at registration, not mid-study.
 */
export function registerTask(t: SyntheticTask, opts: { override?: boolean } = {}): void {
  if (tasks.has(t.id) && !opts.override) throw new DeconattnError(`A synthetic task '${t.id}' is already registered; pass { override: true } to replace it.`);
  const g = getTaskGenerator(t.generator);
  if (!t.rungs.length) throw new DeconattnError(`Task '${t.id}' has no rungs: give at least one {id, params}.`);
  const ids = new Set<string>();
  for (const r of t.rungs) {
    if (ids.has(r.id)) throw new DeconattnError(`Task '${t.id}' lists rung '${r.id}' twice.`);
    ids.add(r.id);
    g.validate(r.params);
  }
  for (const k of ['train', 'val', 'test'] as const) {
    const n = t.splits[k];
    if (!Number.isInteger(n) || n < 1) throw new DeconattnError(`Task '${t.id}': splits.${k} must be a positive integer, got ${JSON.stringify(n)}.`);
  }
  tasks.set(t.id, t);
}

export function getTaskGenerator(id: string): TaskGenerator<any> {
  const g = generators.get(id);
  if (!g) throw new DeconattnError(`Unknown task generator '${id}'. Generators: ${[...generators.keys()].join(', ')}.`);
  return g;
}

export function getTask(id: string): SyntheticTask {
  const t = tasks.get(id);
  if (!t) {
    const hint = didYouMean(id, [...tasks.keys()]);
    throw new DeconattnError(`Unknown synthetic task '${id}'.${hint ? ` Did you mean '${hint}'?` : ''} Tasks: ${[...tasks.keys()].join(', ')}.`);
  }
  return t;
}

export function listTasks(): SyntheticTask[] {
  return [...tasks.values()];
}

export function getRung(task: SyntheticTask | string, rung: string): TaskRung {
  const t = typeof task === 'string' ? getTask(task) : task;
  const r = t.rungs.find((x) => x.id === rung);
  if (!r) throw new DeconattnError(`Task '${t.id}' has no rung '${rung}'. Rungs: ${t.rungs.map((x) => x.id).join(', ')}.`);
  return r;
}

for (const g of [mqarGenerator, inContextRecallGenerator, noisyRecallGenerator, fuzzyRecallGenerator, selectiveCopyingGenerator, compressionGenerator, memorizationGenerator]) registerTaskGenerator(g);
for (const t of SYNTHETIC_TASKS) registerTask(t);
