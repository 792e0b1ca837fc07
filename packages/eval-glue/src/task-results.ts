/**
 * Typed task outcomes, for programs: what `evaluate()` measured of each task (its headline metric
 * with stderr and document count, and every other metric), or why a task was not evaluated. The
 * lm-eval JSON (results.ts) carries the same numbers for tools that read the harness's files; a
 * program reads these instead of parsing "acc,none" keys or deciding a task's metric itself.
 */
import { TaskSpecError } from './errors.js';
import type { TaskOutcome } from './results.js';

export interface EvalMetric {
  metric: string;
  /** NaN when no document was scored; a perplexity may be Infinity. */
  value: number;
  /** null where lm-eval writes "N/A" (no bootstrap, or a metric without stderr) or the stderr is not finite. */
  stderr: number | null;
  higherIsBetter: boolean;
}

/** A task that was scored: its headline metric (the first in the task file's metric list) and all its metrics. */
export interface EvaluatedTask extends EvalMetric {
  task: string;
  evaluated: true;
  /** Documents evaluated (after `limit`), and in the evaluation split. */
  n: number;
  original: number;
  /** Every metric of the task, the headline first. */
  metrics: EvalMetric[];
}

/** A task that was selected (a group member) but not scored, and why. */
export interface SkippedTask {
  task: string;
  evaluated: false;
  reason: string;
}

export type EvalTaskResult = EvaluatedTask | SkippedTask;

const finiteOrNull = (v: number | 'N/A'): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The typed outcomes: scored tasks in evaluation order, then the skipped ones. */
export function taskResults(outcomes: readonly TaskOutcome[], skipped: readonly { task: string; reason: string }[]): EvalTaskResult[] {
  const out: EvalTaskResult[] = [];
  for (const o of outcomes) {
    const metrics = o.metrics.map((m) => ({ metric: m.metric, value: m.value, stderr: finiteOrNull(m.stderr), higherIsBetter: m.higherIsBetter }));
    const head = metrics[0];
    if (!head) throw new TaskSpecError(o.spec.task, 'its zero-shot section lists no metric; list the headline metric first');
    out.push({ task: o.spec.task, evaluated: true, ...head, n: o.effective, original: o.original, metrics });
  }
  for (const s of skipped) out.push({ task: s.task, evaluated: false, reason: s.reason });
  return out;
}
