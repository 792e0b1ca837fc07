/**
 * Linear warm-up to `peak`, then a half-cosine (0.5 cycles) from `peak` down to `min`, reached at
 * step `total`, the schedule's horizon (step is 0-based). A run may stop before its horizon.
 */
export function learningRate(step: number, opts: { peak: number; min: number; warmup: number; total: number }): number {
  const { peak, min, warmup, total } = opts;
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  if (step >= total) return min;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress));
}

/** The training options the learning rate depends on. */
export interface ScheduleOptions {
  lr: number;
  /** Final learning rate of the cosine (default lr/10). */
  minLr?: number;
  warmupSteps: number;
  steps: number;
  /**
   * Steps over which the cosine falls to `minLr` (default `steps`: a run decays over its own
   * length). The paper presets set the paper's 120,000 and stop at their token budget, 28,610
   * steps in, with the rate still ≈ 0.88 × peak (docs/model.md §7).
   */
  cosineSteps?: number;
}

/** The learning rate of optimizer step `step` (0-based) of a run with these options. */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  return learningRate(step, { peak: o.lr, min: o.minLr ?? o.lr / 10, warmup: o.warmupSteps, total: o.cosineSteps ?? o.steps });
}
