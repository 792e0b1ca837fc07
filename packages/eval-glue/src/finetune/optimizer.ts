import * as tf from '@tensorflow/tfjs-core';
import type { FeatureParam } from '@deconattn/core';

/** AdamW with decoupled weight decay (only on params marked `decay`) and global-norm clipping. */
export class AdamW {
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: FeatureParam[],
    private readonly cfg: { beta1: number; beta2: number; eps: number; weightDecay: number; maxGradNorm: number },
  ) {
    // tidy: the zeros the variables start from are not kept as tensors of their own.
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)));
  }

  /** One step; `grads[i]` belongs to `params[i]` (undefined = no gradient). Returns the gradient norm before clipping. */
  async step(grads: (tf.Tensor | undefined)[], lr: number): Promise<number> {
    this.t++;
    const { beta1, beta2, eps, weightDecay, maxGradNorm } = this.cfg;
    const present = grads.filter((g): g is tf.Tensor => !!g);
    // Async read: webgpu in Node cannot read tensors synchronously.
    const normT = present.length ? tf.tidy(() => tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))))) : undefined;
    const norm = normT ? ((await normT.data())[0] ?? 0) : 0;
    normT?.dispose();
    const scale = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g0 = grads[i];
        if (!g0) return;
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m1 = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i]!.assign(m1);
        this.v[i]!.assign(v1);
        const update = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), eps));
        const w = p.decay && weightDecay > 0 ? tf.mul(p.variable, 1 - lr * weightDecay) : p.variable;
        p.variable.assign(tf.sub(w, tf.mul(update, lr)));
      });
    });
    return norm;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
