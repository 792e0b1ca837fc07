import type { SplitName } from './types.js';
import type { SyntheticTrainOptions } from '../train/trainer.js';

/** Settings under which standard attention at tiny size solves a task's easiest rung (≥ 95 % on test). */
export interface SolvabilitySetting {
  task: string;
  rung: string;
  seed: number;
  sizes?: Partial<Record<SplitName, number>>;
  train: Partial<SyntheticTrainOptions>;
}

/**
 * Measured on two CPU cores (wasm backend, d 64, 2 layers): each trains in about a minute of one
 * core. The package's solvability tests run exactly these; a study can start from them. Batches
 * of 128 matter for the recall tasks: the plateau before the induction circuit forms ends after
 * fewer steps with more sequences per step (MQAR r0: ≈ 140 steps at batch 128, ≈ 275 at 64,
 * ≈ 800 at 32).
 */
export const SOLVABILITY: SolvabilitySetting[] = [
  { task: 'mqar', rung: 'r0', seed: 0, train: { steps: 250, batchSize: 128, lr: 3e-3 } },
];
