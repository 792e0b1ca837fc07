import type { LanguageModel } from '../model/model.js';
import type { CheckpointExtras } from '../checkpoint/model-state.js';
import type { StepLog } from './trainer.js';

/**
 * Where a training run keeps what outlives it: the logged steps and the checkpoints. The trainer
 * loop knows no file system; @deconattn/hybrid/node provides `runDirectoryStore(dir)`
 * (metrics.jsonl and checkpoints/step-N/ in a run directory), a browser could keep them in
 * IndexedDB.
 */
export interface TrainStore {
  /** Before the first step of this session: `step` is where training starts (0, or the checkpoint resumed from). */
  open(step: number): void | Promise<void>;
  appendMetrics(log: StepLog): void | Promise<void>;
  /** Saves a checkpoint of `step`; returns where it went. */
  saveCheckpoint(step: number, model: LanguageModel, extras: CheckpointExtras): Promise<string>;
}
