import * as tf from '@tensorflow/tfjs-core';

/** Thrown by a failed conformance check; the message says what was expected and what was seen. */
export class ConformanceError extends Error {
  constructor(check: string, message: string) {
    super(`[${check}] ${message}`);
    this.name = 'ConformanceError';
  }
}

/** Largest |a − b| and the index where it occurs. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; index: number } {
  let diff = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]! - b[i]!);
    if (!(x <= diff)) {
      diff = x;
      index = i;
    }
  }
  return { diff, index };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Throws unless `actual` and `expected` agree to `tol · max(1, max|expected|)`. */
export function assertClose(check: string, what: string, actual: tf.Tensor | ArrayLike<number>, expected: tf.Tensor | ArrayLike<number>, tol: number): void {
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e = expected instanceof tf.Tensor ? expected.dataSync() : expected;
  if (a.length !== e.length) throw new ConformanceError(check, `${what}: ${a.length} values, expected ${e.length}.`);
  const scale = Math.max(1, maxAbs(e));
  const { diff, index } = maxAbsDiff(a, e);
  if (!(diff <= tol * scale)) {
    throw new ConformanceError(check, `${what}: differs by ${diff.toExponential(3)} at flat index ${index} (${a[index]} vs ${e[index]}); allowed ${(tol * scale).toExponential(3)}.`);
  }
}

export function assertFinite(check: string, what: string, t: tf.Tensor): void {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new ConformanceError(check, `${what} has a non-finite value (${v[i]}) at flat index ${i}.`);
}

export function assertShapeEq(check: string, what: string, shape: readonly number[], expected: readonly number[]): void {
  if (shape.length !== expected.length || shape.some((s, i) => s !== expected[i])) {
    throw new ConformanceError(check, `${what} has shape [${shape.join(', ')}], expected [${expected.join(', ')}].`);
  }
}
