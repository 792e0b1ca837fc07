import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import { MixerFixture, randomArray } from '@deconattn/testkit';
import type { LanguageModel } from '../src/model/model.js';
import { ALL_MIXERS, createModel, lossOf, scaleWeights } from './numerics-helpers.js';

/**
 * Finite-difference gradient checks. Each weight tensor's gradient, projected on a random unit
 * direction and on its own direction, is compared with a central difference of the loss
 * (Richardson-extrapolated from steps ε and ε/2, so truncation error is O(ε⁴) and float32
 * round-off of the loss stays below the tolerance). Model level: every trainable weight of a
 * model holding each mixer, the cross-entropy in training mode (so the fixed streams are
 * recomputed and differentiated through). Mixer level: the inputs too — the normalised input, the
 * static embeddings, the fixed stream — including non-approximate's stabilised running maxima
 * (custom zero gradients) at scores large enough for them to matter, and the fixed streams'
 * stop-gradient, whose gradient must be exactly zero while the output does depend on the stream.
 */
const EPS = 0.05;
const REL = 1e-2;
const ABS = 2e-4;

/** Central differences at steps ε and ε/2, Richardson-extrapolated. */
function richardson(f: (t: number) => number, eps: number): number {
  const d1 = (f(eps) - f(-eps)) / (2 * eps);
  const d2 = (f(eps / 2) - f(-eps / 2)) / eps;
  return (4 * d2 - d1) / 3;
}

/**
 * d/dt f(x + t·d) at t = 0: Richardson estimates at steps ε, ε/4, ε/16, … until two successive
 * ones agree, the later one returned. A loss with a pole nearby (the paper kernel's ratios, whose
 * denominators q·Σk may pass close to zero) needs a smaller step than a smooth one; one that never
 * settles gives NaN, which no analytic gradient matches. The estimate never looks at the analytic
 * gradient, so a wrong gradient cannot steer it.
 */
function directional(f: (t: number) => number): number {
  let prev = richardson(f, EPS);
  for (let eps = EPS / 4; eps >= EPS / 64; eps /= 4) {
    const next = richardson(f, eps);
    if (Math.abs(next - prev) <= (REL / 4) * Math.max(Math.abs(next), Math.abs(prev)) + ABS) return next;
    prev = next;
  }
  return NaN;
}

function unit(values: Float32Array): Float32Array {
  let n = 0;
  for (const v of values) n += v * v;
  n = Math.sqrt(n);
  return n > 0 ? values.map((v) => v / n) : values;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Why analytic and numeric directional derivatives disagree, or null. */
function disagreement(what: string, analytic: number, numeric: number): string | null {
  const ok = Math.abs(analytic - numeric) <= REL * Math.max(Math.abs(analytic), Math.abs(numeric)) + ABS;
  return ok ? null : `${what}: analytic ${analytic.toExponential(4)} vs finite difference ${numeric.toExponential(4)}`;
}

/** Checks every trainable weight of `model`; `scale` multiplies the analytic gradient (1 = as computed). */
function checkModel(model: LanguageModel, scale = 1): string[] {
  const params = model.namedParams().filter((p) => p.kind !== 'buffer');
  const vars = params.map((p) => p.variable);
  const { value, grads } = tf.variableGrads(() => lossOf(model), vars);
  value.dispose();
  const problems: string[] = [];
  params.forEach((p, i) => {
    const g = grads[p.variable.name]!.dataSync() as Float32Array;
    const w0 = p.variable.dataSync().slice() as Float32Array;
    for (const [label, dir] of [
      ['random direction', unit(randomArray(g.length, 1000 + i))],
      ['gradient direction', unit(g.slice())],
    ] as const) {
      const numeric = directional((t) => {
        tf.tidy(() => p.variable.assign(tf.tensor(w0.map((w, k) => w + t * dir[k]!), p.variable.shape)));
        const l = lossOf(model);
        const v = l.dataSync()[0]!;
        l.dispose();
        return v;
      });
      const problem = disagreement(`${p.name} (${label})`, scale * dot(g, dir), numeric);
      if (problem) problems.push(problem);
    }
    tf.tidy(() => p.variable.assign(tf.tensor(w0, p.variable.shape)));
  });
  Object.values(grads).forEach((t) => t.dispose());
  return problems;
}

describe('finite-difference gradient checks', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const id of ALL_MIXERS) {
    it(`${id} in a model: the gradient of every trainable weight`, async () => {
      const model = await createModel(id);
      scaleWeights(model, 21, 2);
      expect(checkModel(model)).toEqual([]);
      model.dispose();
    });
  }

  it('the check can fail: a gradient 3 % off is caught', async () => {
    const model = await createModel('standard');
    scaleWeights(model, 21, 2);
    expect(checkModel(model, 0.97).length).toBeGreaterThan(0);
    model.dispose();
  });

  /** Mixer-level: loss = Σ R ⊙ mixer(inputs); checks the weights and every input tensor. */
  function checkMixer(id: string, options: Record<string, unknown>, sharpen = 1): { problems: string[]; streamGradient?: number; streamNumeric?: number } {
    const fx = new MixerFixture(getMixer(id), { dims: { hiddenSize: 16, numHeads: 2, maxPositions: 8 }, length: 8, batch: 2, options });
    for (const k of ['q_proj.weight', 'k_proj.weight']) if (fx.weights[k]) fx.weights[k]!.assign(tf.mul(fx.weights[k]!, sharpen) as tf.Tensor2D);
    const { hn, emb } = fx.input();
    const stream = fx.stream;
    const r = tf.tensor3d(randomArray(hn.size, 77), hn.shape);
    const inputs: Record<string, tf.Tensor> = { hn, ...(fx.needs.staticEmbeddings ? { staticEmbeddings: emb } : {}), ...(stream ? { stream } : {}) };
    const lossWith = (x: Record<string, tf.Tensor>, weights = fx.weights) =>
      tf.sum(tf.mul(r, fx.mixer.apply(x.hn as tf.Tensor3D, weights, fx.context(x.staticEmbeddings as tf.Tensor3D ?? emb, { training: true, ...(x.stream ? { stream: { hn: x.stream as tf.Tensor3D } } : {}) }))));
    const problems: string[] = [];
    let streamGradient: number | undefined;
    let streamNumeric: number | undefined;
    // Inputs.
    for (const [name, x] of Object.entries(inputs)) {
      const g = tf.grad((v: tf.Tensor) => lossWith({ ...inputs, [name]: v }))(x);
      const dir = unit(randomArray(x.size, 300 + name.length));
      const analytic = dot(g.dataSync(), dir);
      const base = x.dataSync();
      const numeric = directional((t) => tf.tidy(() => lossWith({ ...inputs, [name]: tf.tensor(base.map((v, k) => v + t * dir[k]!), x.shape) }).dataSync()[0]!));
      g.dispose();
      if (name === 'stream') {
        streamGradient = analytic;
        streamNumeric = numeric;
        if (options.stopGradient) continue; // checked by the caller: zero by design
      }
      const p = disagreement(`${id} input ${name}`, analytic, numeric);
      if (p) problems.push(p);
    }
    // Weights.
    for (const [name, w] of Object.entries(fx.weights)) {
      const g = tf.grad((v: tf.Tensor) => lossWith(inputs, { ...fx.weights, [name]: v as tf.Variable }))(w);
      const dir = unit(randomArray(w.size, 500 + name.length));
      const analytic = dot(g.dataSync(), dir);
      const base = w.dataSync();
      const numeric = directional((t) => tf.tidy(() => lossWith(inputs, { ...fx.weights, [name]: tf.tensor(base.map((v, k) => v + t * dir[k]!), w.shape) as tf.Variable }).dataSync()[0]!));
      g.dispose();
      const p = disagreement(`${id} weight ${name}`, analytic, numeric);
      if (p) problems.push(p);
    }
    tf.dispose([hn, emb, r]);
    fx.dispose();
    return { problems, streamGradient, streamNumeric };
  }

  for (const id of ALL_MIXERS) {
    it(`${id} alone: weights and inputs`, () => {
      expect(checkMixer(id, {}).problems).toEqual([]);
    });
  }

  it("approximate's other kernel ('based', 1 + s + s²/2) alone: weights and inputs", () => {
    expect(checkMixer('approximate', { kernel: 'based' }).problems).toEqual([]);
  });

  it("non-approximate's stabilised running maxima: exact gradients with peaked scores and small chunks", () => {
    for (const chunkSize of [1, 3, 64]) expect(checkMixer('non-approximate', { chunkSize }, 3).problems).toEqual([]);
  });

  for (const id of ['rnd-emb-qk', 'fixed-seq-qk']) {
    it(`${id}: the fixed stream is differentiated through, or not at all with stopGradient`, () => {
      const through = checkMixer(id, { stopGradient: false });
      expect(through.problems).toEqual([]);
      expect(Math.abs(through.streamGradient!)).toBeGreaterThan(1e-3);
      const stopped = checkMixer(id, { stopGradient: true });
      expect(stopped.problems).toEqual([]);
      // The output depends on the stream (the difference quotient says so) but no gradient flows to it.
      expect(Math.abs(stopped.streamNumeric!)).toBeGreaterThan(1e-3);
      expect(stopped.streamGradient).toBe(0);
    });
  }
});
