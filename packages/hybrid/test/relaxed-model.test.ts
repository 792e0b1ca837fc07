import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, type MixerEnvironment } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS, approximateReference, fixedMapsReference, mlpInnerSize, mlpReference, nonApproximateReference, staticEmbQkReference } from '@deconattn/attention-relaxed';
import { assertClose, randomArray } from '@deconattn/testkit';
import { LanguageModel } from '../src/model/model.js';
import type { ModelConfig } from '../src/model/config.js';
import { resolvePlan, type LayerPlan } from '../src/model/plan.js';
import { crossEntropy } from '../src/model/loss.js';

/*
 * The whole 4-layer model (docs/model.md §2–3) as a plain-loop Float64 reference, compared with
 * LanguageModel's logits for every relaxed mixer in uniform and hybrid plans and in mixed plans.
 * This checks the model's wiring as much as the mixers: the fixed stream passing every layer with
 * the same weights, static embeddings, and each layer's own attention norm.
 */
const config: ModelConfig = { hiddenSize: 16, intermediateSize: 24, numLayers: 4, numHeads: 2, vocabSize: 29, maxPositions: 10, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
const environment: Omit<MixerEnvironment, 'dims'> = { defaultPassage: (n) => Array.from({ length: n }, (_, i) => (i * 5 + 2) % config.vocabSize) };
const tokens = [
  [3, 14, 15, 9, 2, 6, 5, 3],
  [27, 1, 8, 28, 18, 2, 8, 4],
];

type Vec = number[];
type Mat = number[][];
type Weights = Record<string, Float64Array>;

const rms = (x: Mat, g: ArrayLike<number>): Mat =>
  x.map((row) => {
    const r = 1 / Math.sqrt(row.reduce((a, v) => a + v * v, 0) / row.length + config.rmsNormEps);
    return row.map((v, c) => v * r * g[c]!);
  });
const matmul = (x: Mat, w: ArrayLike<number>, outDim: number): Mat =>
  x.map((row) => Array.from({ length: outDim }, (_, o) => row.reduce((a, v, i) => a + v * w[i * outDim + o]!, 0)));
const add = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, c) => v + b[i]![c]!));
const swiglu = (x: Mat, w: Weights, p: string): Mat => {
  const f = config.intermediateSize;
  const g = matmul(x, w[`${p}.mlp.gate_proj.weight`]!, f);
  const u = matmul(x, w[`${p}.mlp.up_proj.weight`]!, f);
  return matmul(g.map((row, i) => row.map((v, c) => (v / (1 + Math.exp(-v))) * u[i]![c]!)), w[`${p}.mlp.down_proj.weight`]!, config.hiddenSize);
};

/** One mixer of the reference model, dispatched to the package's Float64 reference. */
type Options = { approximate?: { kernel: 'paper' | 'based' }; 'static-emb-qk'?: { norm: 'none' | 'attention' } };

function mixer(id: string, hn: Mat, layer: number, w: Weights, streamHn: Mat | undefined, staticEmb: Mat, o: Options): Mat {
  const p = `model.layers.${layer}`;
  const mw: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(w)) if (k.startsWith(`${p}.self_attn.`)) mw[k.slice(p.length + 11)] = v;
  const dims = { hiddenSize: config.hiddenSize, numHeads: config.numHeads, ropeTheta: config.ropeTheta, rmsNormEps: config.rmsNormEps };
  switch (id) {
    case 'standard': // standard attention is the fixed-maps layer whose "stream" is its own input
      return fixedMapsReference(hn, hn, mw, dims);
    case 'mlp':
      return mlpReference(hn, mw, config.hiddenSize, mlpInnerSize(config.hiddenSize));
    case 'approximate':
      return approximateReference(hn, mw, dims, o.approximate?.kernel ?? 'paper');
    case 'non-approximate':
      return nonApproximateReference(hn, mw, dims);
    case 'rnd-emb-qk':
    case 'fixed-seq-qk':
      return fixedMapsReference(hn, streamHn!, mw, dims);
    case 'static-emb-qk':
      return staticEmbQkReference(hn, staticEmb, mw, dims, o['static-emb-qk']?.norm === 'attention' ? { norm: 'attention', normWeight: w[`${p}.input_layernorm.weight`]! } : { norm: 'none' });
  }
  throw new Error(`no reference for ${id}`);
}

function block(id: string, h: Mat, layer: number, w: Weights, streamHn: Mat | undefined, staticEmb: Mat, o: Options): Mat {
  const p = `model.layers.${layer}`;
  const hn = rms(h, w[`${p}.input_layernorm.weight`]!);
  const h1 = add(h, mixer(id, hn, layer, w, streamHn ?? hn, staticEmb, o));
  return add(h1, swiglu(rms(h1, w[`${p}.post_attention_layernorm.weight`]!), w, p));
}

/** Logits of the reference model for one sequence. */
function referenceLogits(ids: number[], layerIds: string[], w: Weights, stream: { start: Mat } | undefined, o: Options): Mat {
  const d = config.hiddenSize;
  const table = w['model.embed_tokens.weight']!;
  const embed = (t: number): Vec => Array.from({ length: d }, (_, c) => table[t * d + c]!);
  // The fixed stream: X₀ through every block with the same weights; each layer sees RMSNorm_attn_l(X_l).
  const streamHn: Mat[] = [];
  if (stream) {
    let x = stream.start;
    layerIds.forEach((id, l) => {
      streamHn.push(rms(x, w[`model.layers.${l}.input_layernorm.weight`]!));
      x = block(id, x, l, w, undefined, stream.start, o);
    });
  }
  const e = ids.map(embed);
  let h = e;
  layerIds.forEach((id, l) => (h = block(id, h, l, w, stream ? streamHn[l] : undefined, e, o)));
  const hf = rms(h, w['model.norm.weight']!);
  return hf.map((row) => Array.from({ length: config.vocabSize }, (_, v) => row.reduce((a, x, c) => a + x * table[v * d + c]!, 0)));
}

/** Random weights at a scale where every term matters (the 0.02 init would make maps near-uniform). */
function randomize(model: LanguageModel, seed: number): Weights {
  const out: Weights = {};
  model.namedParams().forEach((p, i) => {
    const n = p.variable.size;
    if (p.kind !== 'buffer') {
      const std = p.kind === 'embedding' ? 1 : p.kind === 'linear' ? 1 / Math.sqrt(p.variable.shape[0]!) : 0.1;
      const values = randomArray(n, seed + i, std, p.kind === 'norm' ? 1 : 0);
      tf.tidy(() => p.variable.assign(tf.tensor(values, p.variable.shape, 'float32')));
    }
    out[p.name] = Float64Array.from(p.variable.dataSync());
  });
  model.markWeightsChanged();
  return out;
}

async function check(plan: LayerPlan): Promise<void> {
  const model = await LanguageModel.create({ config, plan, seed: 3, environment });
  try {
    const w = randomize(model, 11);
    const layerIds = resolvePlan(plan, config.numLayers);
    let stream: { start: Mat } | undefined;
    const d = config.hiddenSize;
    if (model.stream?.kind === 'random') {
      const eps = w['model.fixed_stream.embedding']!;
      stream = { start: Array.from({ length: config.maxPositions }, (_, i) => Array.from(eps.subarray(i * d, (i + 1) * d))) };
    } else if (model.stream?.kind === 'tokens') {
      const table = w['model.embed_tokens.weight']!;
      stream = { start: model.stream.tokenIds.map((t) => Array.from(table.subarray(t * d, (t + 1) * d))) };
    }
    const ref = tokens.map((seq) => referenceLogits(seq, layerIds, w, stream, (plan.mixerOptions ?? {}) as Options)).flat(2);
    const ids = tf.tensor2d(tokens, [2, 8], 'int32');
    const label = JSON.stringify(plan);
    assertClose(label, 'logits vs the Float64 reference model', model.logits(ids), ref, 1e-4);
    // Token-by-token decoding through the model (states, inference caches) gives the same logits.
    const state = model.initDecodeState(2);
    const steps = tokens[0]!.map((_, t) => model.logits(tf.tensor2d(tokens.map((r) => [r[t]!]), [2, 1], 'int32'), { state }));
    assertClose(label, 'decoded logits vs the Float64 reference model', tf.concat(steps, 1), ref, 1e-4);
    model.disposeDecodeState(state);
    ids.dispose();
  } finally {
    model.dispose();
  }
}

describe('relaxed mixers in a 4-layer model against a Float64 reference model', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const id of RELAXED_MIXER_IDS) {
    it(`uniform ${id}`, () => check({ preset: 'uniform', mixer: id }));
    it(`hybrid ${id} (standard in layers 2 and 4)`, () => check({ preset: 'hybrid', mixer: id }));
  }
  it('mixed: rnd-emb-qk, static-emb-qk, approximate, non-approximate (the stream passes every kind of layer)', () =>
    check({ layers: ['rnd-emb-qk', 'static-emb-qk', 'approximate', 'non-approximate'] }));
  it('mixed: standard, fixed-seq-qk, mlp, fixed-seq-qk', () => check({ layers: ['standard', 'fixed-seq-qk', 'mlp', 'fixed-seq-qk'] }));
  it("the other choices: approximate kernel 'based', static-emb-qk norm 'attention'", () =>
    check({ layers: ['static-emb-qk', 'approximate', 'standard', 'static-emb-qk'], mixerOptions: { approximate: { kernel: 'based' }, 'static-emb-qk': { norm: 'attention' } } }));

  it('refuses sequences longer than Lmax for fixed-stream plans', async () => {
    const model = await LanguageModel.create({ config, plan: { preset: 'hybrid', mixer: 'rnd-emb-qk' }, seed: 3, environment });
    const long = tf.tensor2d([Array.from({ length: 11 }, (_, i) => i)], [1, 11], 'int32');
    expect(() => model.logits(long)).toThrow(ShapeError);
    expect(() => model.logits(long)).toThrow(/Lmax = 10/);
    long.dispose();
    model.dispose();
  });
});

describe('every relaxed mixer trains in a tiny model', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const id of RELAXED_MIXER_IDS) {
    it(`${id}: three Adam steps with finite loss and gradients for every trainable weight`, async () => {
      const model = await LanguageModel.create({ config: { ...config, numLayers: 2 }, plan: { preset: 'uniform', mixer: id }, seed: 5, environment });
      const optimizer = tf.train.adam(1e-2);
      const x = tf.tensor2d(tokens.map((r) => r.slice(0, 7)), [2, 7], 'int32');
      const y = tf.tensor1d(tokens.flatMap((r) => r.slice(1, 8)), 'int32');
      const vars = model.trainableVariables();
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => crossEntropy(tf.reshape(model.logitsFromHidden(model.hidden(x, { training: true })), [-1, config.vocabSize]) as tf.Tensor2D, y), vars);
          losses.push(value.dataSync()[0]!);
          for (const v of vars) expect(grads[v.name]!.dataSync().every(Number.isFinite), v.name).toBe(true);
          optimizer.applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
        });
        model.markWeightsChanged();
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[2]!).toBeLessThan(losses[0]!);
      optimizer.dispose();
      x.dispose();
      y.dispose();
      model.dispose();
    });
  }
});
