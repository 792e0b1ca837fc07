import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { ALL_MIXERS, createModel, idsTensor, lossOf, relDiff, scaleWeights, tokens } from './numerics-helpers.js';

/**
 * cpu, wasm and webgpu agree on the forward pass, the gradients of every trainable weight and
 * token-by-token decoding, for all seven mixers, with weights at a scale where attention maps are
 * far from uniform (checked). Relative tolerances: each result against the cpu backend's, relative
 * to its largest magnitude. webgpu runs through Dawn (on llvmpipe where there is no GPU);
 * DECONATTN_SKIP_WEBGPU=1 leaves it out where that is impossible.
 */
const BACKENDS = ['cpu', 'wasm', ...(process.env.DECONATTN_SKIP_WEBGPU ? [] : ['webgpu'])];
/** Float32 on different kernels (fused ops, exp/log approximations on the GPU). */
const TOL = { forward: 1e-4, backward: 1e-3, decode: 1e-4 };

interface Run {
  logits: Float32Array;
  loss: number;
  grads: Float32Array[];
  decoded: Float32Array;
  /** Mean over attention-map rows of the row's largest weight, per captured map. */
  peak: number[];
}

async function runOn(backend: string, id: string): Promise<Run> {
  await useBackend(backend);
  const model = await createModel(id);
  try {
    scaleWeights(model);
    const maps: tf.Tensor4D[] = [];
    const logitsT = model.logits(idsTensor(), { capture: { attention: (_l, m) => maps.push(tf.keep(tf.clone(m))) } });
    const logits = (await logitsT.data()) as Float32Array;
    logitsT.dispose();
    const peak: number[] = [];
    for (const m of maps) {
      const p = tf.tidy(() => tf.mean(tf.max(m, -1)));
      peak.push((await p.data())[0]!);
      tf.dispose([p, m]);
    }
    const vars = model.trainableVariables();
    const { value, grads } = tf.variableGrads(() => lossOf(model), vars);
    const loss = (await value.data())[0]!;
    const gradData = await Promise.all(vars.map((v) => grads[v.name]!.data() as Promise<Float32Array>));
    tf.dispose([value, ...Object.values(grads)]);
    const state = model.initDecodeState(tokens.length);
    const steps: tf.Tensor[] = [];
    for (let t = 0; t < tokens[0]!.length; t++) steps.push(model.logits(idsTensor(tokens.map((r) => [r[t]!])), { state }));
    model.disposeDecodeState(state);
    const decodedT = tf.concat(steps, 1);
    const decoded = (await decodedT.data()) as Float32Array;
    tf.dispose([decodedT, ...steps]);
    return { logits, loss, grads: gradData, decoded, peak };
  } finally {
    model.dispose();
  }
}

describe('every mixer gives the same numbers on every backend', () => {
  afterAll(async () => {
    await useBackend('wasm');
  });

  for (const id of ALL_MIXERS) {
    it(`${id}: forward, backward and decoding agree on ${BACKENDS.join(', ')}`, async () => {
      const runs: Run[] = [];
      for (const b of BACKENDS) runs.push(await runOn(b, id));
      const [ref, ...others] = runs;
      expect(Number.isFinite(ref!.loss)).toBe(true);
      // Far from uniform: a uniform causal map over 8 tokens has a mean row maximum of 0.34.
      for (const p of ref!.peak) expect(p, `${id}: mean row maximum of a captured map`).toBeGreaterThan(0.5);
      expect(relDiff(ref!.decoded, ref!.logits), `${id} cpu: decoding vs the parallel form`).toBeLessThan(TOL.decode);
      others.forEach((r, k) => {
        const b = BACKENDS[k + 1];
        expect(relDiff(r.logits, ref!.logits), `${id} ${b}: logits`).toBeLessThan(TOL.forward);
        expect(Math.abs(r.loss - ref!.loss) / ref!.loss, `${id} ${b}: loss`).toBeLessThan(TOL.forward);
        r.grads.forEach((g, i) => expect(relDiff(g, ref!.grads[i]!), `${id} ${b}: gradient of weight ${i}`).toBeLessThan(TOL.backward));
        expect(relDiff(r.decoded, ref!.logits), `${id} ${b}: decoding`).toBeLessThan(TOL.decode);
      });
    });
  }
});
