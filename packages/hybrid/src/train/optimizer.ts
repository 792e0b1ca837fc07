import * as tf from '@tensorflow/tfjs-core';
import { KERNEL, hasKernel, weightDecayApplies } from '@deconattn/core';
import type { ModelParam } from '../model/model.js';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * AdamW (decoupled weight decay). Decay applies where core's `weightDecayApplies` says (weight
 * matrices and embeddings, not norm scales or biases), the rule fine-tuning uses too. Moments are
 * named after the parameters so the optimizer state saves and loads by name.
 */
export class AdamW {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  private readonly trainable: ModelParam[];

  constructor(
    params: readonly ModelParam[],
    readonly config: AdamWConfig,
  ) {
    this.trainable = params.filter((p) => p.kind !== 'buffer');
    // In a tidy: a variable shares its initial tensor's data, so an undisposed zerosLike would
    // keep every moment's memory alive after dispose().
    tf.tidy(() => {
      for (const p of this.trainable) {
        this.m.set(p.name, tf.variable(tf.zerosLike(p.variable), false));
        this.v.set(p.name, tf.variable(tf.zerosLike(p.variable), false));
      }
    });
  }

  /** One update with gradients keyed by parameter name. Does not dispose `grads`. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    if (hasKernel(KERNEL.adamW)) {
      // One kernel per tensor, the same arithmetic as below.
      for (const p of this.trainable) {
        const g = grads.get(p.name);
        if (!g || g.dtype !== 'float32') continue;
        const m = this.m.get(p.name)!;
        const v = this.v.get(p.name)!;
        const decays = weightDecay > 0 && weightDecayApplies(p.kind);
        const attrs = { beta1, beta2, bc1, bc2, eps, lr, decay: decays ? 1 - lr * weightDecay : 1 };
        const [w1, m1, v1] = tf.engine().runKernel(KERNEL.adamW, { w: p.variable, g, m, v }, attrs) as tf.Tensor[];
        m.assign(m1!);
        v.assign(v1!);
        p.variable.assign(w1!);
        tf.dispose([w1, m1, v1]);
      }
      return;
    }
    tf.tidy(() => {
      for (const p of this.trainable) {
        const g = grads.get(p.name);
        if (!g) continue;
        const m = this.m.get(p.name)!;
        const v = this.v.get(p.name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        const update = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), eps));
        const decays = weightDecay > 0 && weightDecayApplies(p.kind);
        const w = decays ? tf.mul(p.variable, 1 - lr * weightDecay) : p.variable;
        p.variable.assign(tf.sub(w, tf.mul(update, lr)));
      }
    });
  }

  /** Moment tensors by name (`m.<param>`, `v.<param>`), for the checkpoint. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [k, t] of this.m) out.set(`m.${k}`, t);
    for (const [k, t] of this.v) out.set(`v.${k}`, t);
    return out;
  }

  loadState(step: number, tensors: Map<string, { shape: number[]; data: Float32Array }>): void {
    this.step = step;
    for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of map) {
        const t = tensors.get(`${prefix}.${name}`);
        if (!t) throw new Error(`optimizer state lacks '${prefix}.${name}'`);
        tf.tidy(() => variable.assign(tf.tensor(t.data, variable.shape)));
      }
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Scales gradients so that their global L2 norm is at most `maxNorm`; returns the norm before. */
export async function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<number> {
  // A chain of adds, not tf.addN: tfjs-backend-webgpu 4.22 returns wrong sums for addN with ≥ 8 inputs.
  // One kernel over every gradient where the backend has KERNEL.sumSquares.
  const normT = tf.tidy(() => {
    if (hasKernel(KERNEL.sumSquares)) return tf.sqrt(tf.engine().runKernel(KERNEL.sumSquares, Object.fromEntries([...grads].map(([k, g], i) => [`g${i}`, g])), {}) as tf.Tensor);
    let total: tf.Tensor = tf.scalar(0);
    for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g)));
    return tf.sqrt(total);
  });
  // Read asynchronously: the webgpu backend cannot read tensors synchronously in Node.
  const norm = (await normT.data())[0]!;
  normT.dispose();
  if (Number.isFinite(norm) && maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [k, g] of grads) {
      grads.set(k, tf.mul(g, scale));
      g.dispose();
    }
  }
  return norm;
}
