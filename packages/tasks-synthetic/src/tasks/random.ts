import { SeededRandom } from '@deconattn/core';

/** Draws used by the generators, on core's seeded generator (mulberry32): the same seed gives the same data on every platform. */
export class TaskRandom {
  private readonly r: SeededRandom;
  constructor(seed: number) {
    this.r = new SeededRandom(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.r.next();
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.r.int(n);
  }
  /** Uniform integer in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.r.int(hi - lo);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.r.int(xs.length)]!;
  }
  /** A uniformly random permutation (Fisher–Yates), in place; returns its argument. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.r.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
  /** k distinct values from [lo, hi), in random order. */
  distinct(k: number, lo: number, hi: number): number[] {
    const all = Array.from({ length: hi - lo }, (_, i) => lo + i);
    // Partial Fisher–Yates: only the first k positions need to be drawn.
    for (let i = 0; i < k; i++) {
      const j = i + this.r.int(all.length - i);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, k);
  }
}
