/**
 * Seconds left in a study: this run's remaining steps at the pace measured since it (re)started,
 * plus each later run at the mean duration of the runs finished so far (or, before any has,
 * this run's pace over all its steps, with a fifth more for evaluation).
 */
export function studyEta(o: {
  /** Seconds since this run (re)started. */
  elapsedSec: number;
  /** The step just finished. */
  step: number;
  /** The step this run resumed from (0 when it started fresh): steps before it took no time now. */
  startStep: number;
  steps: number;
  /** Durations of the runs trained (and evaluated) so far in this invocation. */
  finishedRunSec: readonly number[];
  runsAfter: number;
}): number {
  const perStep = o.elapsedSec / Math.max(1, o.step - o.startStep);
  const avgRun = o.finishedRunSec.length ? o.finishedRunSec.reduce((a, b) => a + b, 0) / o.finishedRunSec.length : perStep * o.steps * 1.2;
  return perStep * (o.steps - o.step) + avgRun * o.runsAfter;
}
