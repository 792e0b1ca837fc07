import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepLog } from '../train/trainer.js';
import type { TrainStore } from '../train/store.js';
import { saveRunCheckpoint } from '../checkpoint/checkpoint.js';
import { writeFileAtomic } from './atomic.js';

/**
 * A run directory as a TrainStore: `metrics.jsonl` (one line per logged step) and
 * `checkpoints/step-NNNNNNN/`. Opening at step 0 starts metrics afresh; opening a resumed run
 * keeps the lines up to its checkpoint.
 */
export function runDirectoryStore(dir: string): TrainStore {
  const metricsFile = path.join(dir, 'metrics.jsonl');
  return {
    open(step) {
      fs.mkdirSync(dir, { recursive: true });
      if (fs.existsSync(metricsFile)) {
        if (step === 0) fs.rmSync(metricsFile);
        else keepMetricsUpTo(metricsFile, step);
      }
    },
    appendMetrics(log) {
      fs.appendFileSync(metricsFile, JSON.stringify(log) + '\n');
    },
    saveCheckpoint: (step, model, extras) => saveRunCheckpoint(dir, step, model, extras),
  };
}

/**
 * A resumed run redoes the steps after its checkpoint; a run killed after logging them (during
 * the final save, say) already wrote their lines. Keep only the lines up to the checkpoint's step
 * (dropping a torn last line too), so metrics.jsonl holds each step once.
 */
function keepMetricsUpTo(file: string, step: number): void {
  const kept = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => {
      try {
        return (JSON.parse(line) as StepLog).step <= step;
      } catch {
        return false;
      }
    });
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
}
