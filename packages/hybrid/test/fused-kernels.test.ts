import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/core';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { setWasmKernelsEnabled, wasmKernelsEnabled } from '@deconattn/kernels-wasm';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import type { PlanPreset } from '../src/model/plan.js';
import { batchLoss } from '../src/train/trainer.js';
import { fixedPassage } from '../src/data/index.js';
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
