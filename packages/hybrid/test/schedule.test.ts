import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/model/config.js';
import { learningRateAt } from '../src/train/schedule.js';

// Expected rates computed by hand (Python, float64) from docs/model.md §7 and the tiny preset's settings.
const close = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)) + 1e-18);

describe('learning-rate schedules', () => {
  it("paper presets: 256 × 2048 tokens per step, 2,000 warm-up steps, a cosine over 120,000 steps stopped at the 15B-token budget", () => {
    for (const name of ['paper-70m', 'paper-160m', 'paper-500m']) {
      const t = PRESETS[name]!.train;
      expect(t.batchSize * (t.accumSteps ?? 1)).toBe(256);
      expect(t.seqLen).toBe(2048);
      expect(t.steps).toBe(28_610); // 15·10⁹ / 524,288 = 28,610.2
      const at = (step: number) => learningRateAt(step, t);
      close(at(0), 2e-7); // 4e-4 · 1/2000
      close(at(999), 2e-4);
      close(at(1999), 4e-4);
      close(at(2000), 4e-4); // the cosine starts at the peak
      close(at(61_000), 2e-4); // half-way down the 120,000-step horizon
      // The last step the run takes: progress 26,609/118,000, 0.5·(1 + cos(π·0.22550)) = 0.87969.
      close(at(t.steps - 1), 3.5187697545954494e-4);
      expect(at(t.steps - 1) / t.lr).toBeCloseTo(0.88, 2);
    }
  });

  it('other presets decay over their own length, to lr/10', () => {
    const t = PRESETS.tiny!.train;
    const at = (step: number) => learningRateAt(step, t);
    close(at(0), 1.5e-4); // 3e-3 · 1/20
    close(at(19), 3e-3);
    close(at(20), 3e-3);
    close(at(210), 1.65e-3); // progress 190/380 = ½: (3e-3 + 3e-4)/2
    close(at(399), 3.000461353533643e-4);
    close(at(400), 3e-4);
    expect(PRESETS.small!.train.cosineSteps).toBeUndefined();
  });
});
