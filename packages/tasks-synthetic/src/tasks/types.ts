import type { TaskRandom } from './random.js';

/**
 * One sequence of a task. `inputs`, `targets` and `mask` have the same length (the rung's
 * sequence length). At every position p with `mask[p]` the model, having read `inputs[0..p]`,
 * must produce `targets[p]`; the loss and the accuracy count those positions only. Elsewhere
 * `targets[p]` is 0 and means nothing.
 */
export interface TaskExample {
  inputs: number[];
  targets: number[];
  mask: boolean[];
}

/**
 * How a model reads out an answer. `next-token`: the language model's own logits at each
 * position. `reconstruct`: MAD's compression set-up — an encoder's last hidden state, plus a
 * position embedding, goes through a small MLP decoder that must restore every input token.
 */
export type TaskHead = 'next-token' | 'reconstruct';

/** What a model needs to know about a rung's sequences. */
export interface TaskFormat {
  vocabSize: number;
  seqLen: number;
  head: TaskHead;
  /** Every token that can be a correct answer: chance accuracy is 1 / answerTokens.length. */
  answerTokens: number[];
}

/** Which split an example is drawn for: some tasks (fuzzy recall) test a harder form than they train on. */
export type SplitName = 'train' | 'val' | 'test';

/**
 * The code half of a task: a seeded generator. Its parameters are plain numbers so that a rung
 * is data (JSON) and a study can record exactly what it ran.
 */
export interface TaskGenerator<P extends Record<string, number> = Record<string, number>> {
  id: string;
  /** Parameter names with what each means (for errors and documentation). */
  params: Record<keyof P & string, string>;
  /** Checks the parameters of a rung; throws a one-line DeconattnError naming the bad one and what would be right. */
  validate(params: Record<string, unknown>): P;
  format(params: P): TaskFormat;
  example(params: P, rng: TaskRandom, split: SplitName): TaskExample;
}

/** One step of a difficulty ladder: a name and the generator's parameters. */
export interface TaskRung {
  id: string;
  params: Record<string, number>;
  /** What makes it harder than the rung before. */
  note?: string;
}

/** The data half of a task (lm-eval's tasks as data): which generator, where it comes from, its ladder. */
export interface SyntheticTask {
  id: string;
  title: string;
  generator: string;
  /** The paper or tool that defined the task. */
  source: string;
  description: string;
  /** Ordered from easiest to hardest. */
  rungs: TaskRung[];
  /** Examples per split at each rung unless a caller overrides them. */
  splits: { train: number; val: number; test: number };
}
