import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { setWasmKernelsEnabled, wasmKernelsEnabled } from '@deconattn/kernels-wasm';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import type { PlanPreset } from '../src/model/plan.js';
import { batchLoss } from '../src/train/trainer.js';
import { crossEntropy } from '../src/model/loss.js';
import { AdamW, clipByGlobalNorm } from '../src/train/optimizer.js';
import { SeededRandom } from '@deconattn/core';
import { fixedPassage } from '../src/node.js';
import { byteTokenizer } from '../src/tokenizer/index.js';

/*
 * The wasm backend's fused kernels (@deconattn/kernels-wasm, installed by this package) against
 * the plain tfjs path on the same backend: every mixer, uniform and hybrid, gives the same loss
 * and the same gradient for every weight, within float32 round-off. Head size 8 so the fused
 * attention kernel applies; weights scaled up so attention maps are far from uniform.
 */
const config: ModelConfig = { hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, vocabSize: 257, maxPositions: 24, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
const tokenizer = byteTokenizer();
const environment = { tokenizer, defaultPassage: (length: number) => fixedPassage(tokenizer, length).tokenIds };
type Plan = { preset: PlanPreset; mixer: string };
const plans: Plan[] = [{ preset: 'uniform', mixer: 'standard' }, ...RELAXED_MIXER_IDS.flatMap((mixer): Plan[] => [{ preset: 'uniform', mixer }, { preset: 'hybrid', mixer }])];

async function lossAndGrads(model: LanguageModel): Promise<{ loss: number; grads: Float32Array[] }> {
  const inputs = Int32Array.from({ length: 3 * 24 }, (_, i) => (i * 37 + 11) % 257);
  const targets = Int32Array.from({ length: 3 * 24 }, (_, i) => (i * 53 + 5) % 257);
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => batchLoss(model, inputs, targets, 3, 24, true), vars);
  const out = { loss: (await value.data())[0]!, grads: await Promise.all(vars.map((v) => grads[v.name]!.data() as Promise<Float32Array>)) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('fused wasm kernels against the plain path, every mixer', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(wasmKernelsEnabled()).toBe(true);
  });

  for (const plan of plans) {
    it(`${plan.preset}:${plan.mixer}: same loss and gradients`, async () => {
      const model = await LanguageModel.create({ config, plan, seed: 3, environment });
      // Sharper maps than the 0.02 initialisation gives (which would hide attention bugs).
      tf.tidy(() => model.namedParams().forEach((p) => p.kind === 'linear' && p.variable.assign(tf.mul(p.variable, 8))));
      try {
        const fast = await lossAndGrads(model);
        const before = tf.memory().numTensors;
        await lossAndGrads(model);
        expect(tf.memory().numTensors).toBe(before);
        setWasmKernelsEnabled(false);
        let slow: Awaited<ReturnType<typeof lossAndGrads>>;
        try {
          slow = await lossAndGrads(model);
        } finally {
          setWasmKernelsEnabled(true);
        }
        expect(Math.abs(fast.loss - slow.loss) / slow.loss).toBeLessThan(1e-5);
        model.trainableVariables().forEach((v, i) => {
          const a = fast.grads[i]!;
          const b = slow.grads[i]!;
          let err = 0;
          let scale = 1e-6;
          for (let j = 0; j < a.length; j++) {
            err = Math.max(err, Math.abs(a[j]! - b[j]!));
            scale = Math.max(scale, Math.abs(b[j]!));
          }
          expect(err / scale, v.name).toBeLessThan(1e-4);
        });
      } finally {
        model.dispose();
      }
    });
  }
});

function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new SeededRandom(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * std), shape);
}

/** Runs `f` on the plain path (kernels off). */
async function plainPath<T>(f: () => Promise<T> | T): Promise<T> {
  setWasmKernelsEnabled(false);
  try {
    return await f();
  } finally {
    setWasmKernelsEnabled(true);
  }
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

describe('fused loss and optimizer kernels against the plain path', () => {
  it.each([[6, 257], [512, 512], [3, 5]])('cross-entropy over %i×%i logits: same loss and gradient', async (n, v) => {
    const logits = randn([n, v], 1, 5); // peaked softmax rows
    const targets = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + 3) % v), 'int32');
    const f = () => tf.valueAndGrad((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, targets))(logits);
    const fast = f();
    const slow = await plainPath(f);
    expect(Math.abs(fast.value.dataSync()[0]! - slow.value.dataSync()[0]!) / slow.value.dataSync()[0]!).toBeLessThan(1e-6);
    expect(maxRel(fast.grad.dataSync(), slow.grad.dataSync())).toBeLessThan(1e-5);
    tf.dispose([logits, targets, fast.value, fast.grad, slow.value, slow.grad]);
  });

  it('AdamW: three steps with decay on matrices only give the same weights and moments; the gradient norm agrees', async () => {
    const variable = (t: () => tf.Tensor) => tf.tidy(() => tf.variable(t()));
    const make = () => [
      { name: 'w', kind: 'linear' as const, variable: variable(() => randn([33, 17], 2)) },
      { name: 'b', kind: 'bias' as const, variable: variable(() => randn([17], 3)) },
      { name: 'e', kind: 'embedding' as const, variable: variable(() => randn([9, 5], 4)) },
    ];
    const grads = new Map([['w', randn([33, 17], 5)], ['b', randn([17], 6)], ['e', randn([9, 5], 7, 1e-3)]]);
    const steps = async (params: ReturnType<typeof make>) => {
      const opt = new AdamW(params, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
      for (let s = 0; s < 3; s++) opt.apply(grads, 1e-2 * (s + 1));
      const out = [...params.map((p) => p.variable.dataSync()), ...[...opt.m.values(), ...opt.v.values()].map((t) => t.dataSync())];
      const norm = await clipByGlobalNorm(new Map(grads), 1e9);
      opt.dispose();
      params.forEach((p) => p.variable.dispose());
      return { out, norm };
    };
    const before = tf.memory().numTensors;
    const fast = await steps(make());
    expect(tf.memory().numTensors).toBe(before);
    const slow = await plainPath(() => steps(make()));
    fast.out.forEach((a, i) => expect(maxRel(a, slow.out[i]!), `tensor ${i}`).toBeLessThan(1e-5));
    expect(Math.abs(fast.norm - slow.norm) / slow.norm).toBeLessThan(1e-6);
    grads.forEach((g) => g.dispose());
  });
});
