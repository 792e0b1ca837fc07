import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec } from '../spec.js';

/**
 * Seeded initialisation computed in JavaScript, so a seed gives bit-identical weights on every
 * backend (tf.randomNormal's stream differs between backends). mulberry32 + Box–Muller.
 */
export class SeededRandom {
  private s: number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** A seed derived from a base seed and a name, so each parameter has its own stream. */
export function deriveSeed(seed: number, name: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export function initValues(spec: Pick<ParamSpec, 'shape' | 'init'>, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (spec.init.type === 'ones') out.fill(1);
  else if (spec.init.type === 'normal') {
    const rng = new SeededRandom(seed);
    const std = spec.init.std;
    for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  }
  return out;
}

export function initTensor(spec: Pick<ParamSpec, 'shape' | 'init'>, seed: number): tf.Tensor {
  return tf.tensor(initValues(spec, seed), spec.shape, 'float32');
}

/** Standard deviation used for every weight matrix and embedding (docs/model.md §2). */
export const INIT_STD = 0.02;
