import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import { SOLVABILITY, buildTaskData, evaluateSplit, taskBaselines, TaskModel, trainTaskModel } from '../src/index.js';

/**
 * Each generator is solvable from its context: standard attention at tiny size, trained on the
 * easiest rung with the settings recorded in SOLVABILITY, answers the held-out questions far
 * above chance (≥ 95 % where a minute of training gets there). A generator whose answers are not
 * determined by the context, or whose mask is off by one, fails here. About a minute per task on
 * one idle core; `DECONATTN_SOLVABILITY=full` runs the longer ≥ 95 % check for every task.
 */
export function describeSolvability(tasks: string[]): void {
  const full = process.env.DECONATTN_SOLVABILITY === 'full';
  beforeAll(async () => {
    await useBackend('wasm');
  });
  describe(`standard attention learns the easiest rung (${full ? 'full' : 'quick'} check) of`, () => {
    for (const s of SOLVABILITY.filter((x) => tasks.includes(x.task))) {
      // A generous hang guard, not a speed check: on a loaded two-core machine one task can take minutes.
      it(`${s.task} ${s.rung}`, { timeout: 1_200_000 }, async () => {
        const data = buildTaskData({ task: s.task, rung: s.rung, seed: s.seed, sizes: s.sizes });
        const chance = taskBaselines(data).random;
        const model = await TaskModel.create(data, { preset: 'uniform', mixer: 'standard' }, undefined, s.seed);
        try {
          await trainTaskModel(model, data.train, full ? s.full.train : s.quick.train, s.seed);
          const test = await evaluateSplit(model, data.test);
          const need = full ? s.full.minAccuracy : Math.max(s.quick.minAccuracy, s.quick.minTimesChance * chance);
          expect(test.accuracy, `${s.task} ${s.rung}: test accuracy (chance ${chance.toFixed(3)})`).toBeGreaterThanOrEqual(need);
        } finally {
          model.dispose();
        }
      });
    }
  });
}
