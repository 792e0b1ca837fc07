/** Linear warm-up to `peak`, then cosine decay to `min` at `total` steps (step is 0-based). */
export function learningRate(step: number, opts: { peak: number; min: number; warmup: number; total: number }): number {
  const { peak, min, warmup, total } = opts;
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  if (step >= total) return min;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress));
}
