import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@deconattn/core';
import { expect } from 'vitest';
import { KernelRuntime, setWasmKernelsEnabled } from '../src/index.js';

/** A tensor of N(0, std²) values from a seed (the same on every backend). */
export function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * std), shape);
}

/**
 * max |a − b| / max(|b|, 1): relative to the reference's largest entry, so small entries do not
 * blow it up, and absolute for a reference that is (mathematically) zero.
 */
export function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(tf.max(tf.abs(b)).dataSync()[0]!, 1));
}

/** Runs `f` with our kernels switched off (tfjs' own kernels, the ops' plain compositions). */
export function plain<T>(f: () => T): T {
  setWasmKernelsEnabled(false);
  try {
    return f();
  } finally {
    setWasmKernelsEnabled(true);
  }
}

/**
 * Runs `run` (gradients through a kernel) on every thread, checks a second call leaves no tensor
 * behind, and that one thread gives the same values bit for bit (threads own disjoint outputs, no
 * reduction is split). Returns the first call's tensors; the caller disposes them.
 */
export function expectThreadsAgree(run: () => tf.Tensor[]): tf.Tensor[] {
  const rt = KernelRuntime.of(tf.backend())!;
  const all = run();
  const before = tf.memory().numTensors;
  tf.dispose(run());
  expect(tf.memory().numTensors).toBe(before);
  const threads = rt.threads;
  rt.threads = 1;
  let one: tf.Tensor[];
  try {
    one = run();
  } finally {
    rt.threads = threads;
  }
  all.forEach((g, i) => expect(Array.from(g.dataSync())).toEqual(Array.from(one[i]!.dataSync())));
  tf.dispose(one);
  return all;
}
