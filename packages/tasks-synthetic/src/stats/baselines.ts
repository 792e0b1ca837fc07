import type { TaskData } from '../tasks/dataset.js';

export interface TaskBaselines {
  /** Expected accuracy of a uniform guess among the tokens that can be answers. */
  random: number;
  /** Accuracy on test of always answering the commonest answer of the training split. */
  majority: number;
  majorityToken: number;
}

/** The two floors every accuracy of a task stands next to. */
export function taskBaselines(data: TaskData): TaskBaselines {
  const counts = new Map<number, number>();
  const { train, test } = data;
  for (let i = 0; i < train.mask.length; i++) if (train.mask[i]) counts.set(train.targets[i]!, (counts.get(train.targets[i]!) ?? 0) + 1);
  let majorityToken = data.format.answerTokens[0]!;
  let best = -1;
  for (const [t, c] of counts) if (c > best || (c === best && t < majorityToken)) [majorityToken, best] = [t, c];
  let hits = 0;
  let n = 0;
  for (let i = 0; i < test.mask.length; i++) {
    if (!test.mask[i]) continue;
    n++;
    if (test.targets[i] === majorityToken) hits++;
  }
  return { random: 1 / data.format.answerTokens.length, majority: n ? hits / n : 0, majorityToken };
}
