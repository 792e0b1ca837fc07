import { DeconattnError, deriveSeed } from '@deconattn/core';
import { TaskRandom } from './random.js';
import { getRung, getTask, getTaskGenerator } from './registry.js';
import type { SplitName, SyntheticTask, TaskExample, TaskFormat } from './types.js';

/** A split as flat typed arrays, `count × seqLen` row-major. */
export interface TaskSplit {
  count: number;
  seqLen: number;
  inputs: Int32Array;
  targets: Int32Array;
  /** 1 where the position is scored (loss and accuracy), 0 elsewhere. */
  mask: Uint8Array;
}

export interface TaskData {
  task: string;
  rung: string;
  params: Record<string, number>;
  format: TaskFormat;
  seed: number;
  train: TaskSplit;
  val: TaskSplit;
  test: TaskSplit;
  /**
   * One extra sequence of the task, drawn from its own seed and in no split: the "fixed natural
   * sequence" that fixed-seq-qk reads (docs/model.md §3.6), here a typical sequence of the task.
   */
  fixedContext: number[];
}

export interface BuildTaskDataOptions {
  task: string | SyntheticTask;
  rung: string;
  /** Seed of every split (each split draws from its own stream derived from it). */
  seed: number;
  /** Examples per split; the task's defaults where left out. */
  sizes?: Partial<Record<SplitName, number>>;
}

const key = (e: TaskExample) => e.inputs.join(',');

/**
 * The three splits of one rung, disjoint as sequences: test is drawn first (distinct sequences),
 * then validation (distinct, none in test), then train (none in test or validation; repeats
 * within train are allowed). Deterministic in (task, rung, seed, sizes).
 */
export function buildTaskData(o: BuildTaskDataOptions): TaskData {
  const task = typeof o.task === 'string' ? getTask(o.task) : o.task;
  const rung = getRung(task, o.rung);
  const gen = getTaskGenerator(task.generator);
  const params = gen.validate(rung.params);
  const format = gen.format(params);
  const sizes = { ...task.splits, ...o.sizes };
  for (const k of ['train', 'val', 'test'] as const) {
    if (!Number.isInteger(sizes[k]) || sizes[k] < 1) throw new DeconattnError(`sizes.${k} must be a positive integer, got ${JSON.stringify(sizes[k])}.`);
  }
  if (!Number.isSafeInteger(o.seed)) throw new DeconattnError(`seed must be an integer, got ${String(o.seed)}.`);
  const taken = new Set<string>();
  const draw = (split: SplitName, distinct: boolean): TaskSplit => {
    const n = sizes[split];
    const rng = new TaskRandom(deriveSeed(o.seed, `${task.id}/${rung.id}/${split}`));
    const rows: TaskExample[] = [];
    const fresh = new Set<string>();
    const maxDraws = 50 * n + 1000;
    let draws = 0;
    while (rows.length < n) {
      if (++draws > maxDraws) {
        throw new DeconattnError(
          `Task '${task.id}' rung '${rung.id}': only ${rows.length} of ${n} ${split} sequences could be drawn unlike the ${split === 'train' ? 'validation and test' : 'other held-out'} ones after ${maxDraws} draws: the rung has too few distinct sequences. Ask for fewer examples (sizes) or use a larger rung.`,
        );
      }
      const e = gen.example(params, rng, split);
      const k = key(e);
      if (taken.has(k) || (distinct && fresh.has(k))) continue;
      fresh.add(k);
      rows.push(e);
    }
    for (const k of fresh) taken.add(k);
    return pack(rows, format.seqLen, task.id);
  };
  const test = draw('test', true);
  const val = draw('val', true);
  const train = draw('train', false);
  const fixedContext = gen.example(params, new TaskRandom(deriveSeed(o.seed, `${task.id}/${rung.id}/fixed-context`)), 'train').inputs;
  return { task: task.id, rung: rung.id, params, format, seed: o.seed, train, val, test, fixedContext };
}

function pack(rows: TaskExample[], seqLen: number, task: string): TaskSplit {
  const n = rows.length;
  const out: TaskSplit = { count: n, seqLen, inputs: new Int32Array(n * seqLen), targets: new Int32Array(n * seqLen), mask: new Uint8Array(n * seqLen) };
  rows.forEach((e, i) => {
    if (e.inputs.length !== seqLen || e.targets.length !== seqLen || e.mask.length !== seqLen) {
      throw new DeconattnError(`Task '${task}': a generated sequence has ${e.inputs.length} inputs, ${e.targets.length} targets and ${e.mask.length} mask entries; all must equal seqLen ${seqLen}.`);
    }
    out.inputs.set(e.inputs, i * seqLen);
    out.targets.set(e.targets, i * seqLen);
    out.mask.set(e.mask.map((m) => (m ? 1 : 0)), i * seqLen);
  });
  return out;
}

/** Scored positions of a split (its items for accuracy and paired tests). */
export function countScored(split: TaskSplit): number {
  let n = 0;
  for (const m of split.mask) n += m;
  return n;
}
