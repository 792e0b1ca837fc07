import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, INIT_STD, deriveSeed, initTensor, linear, rmsNorm, silu } from '@deconattn/core';
import { LanguageModel, type LayerPlan, type ModelConfig, type ModelParam } from '@deconattn/hybrid';
import type { TaskData } from '../tasks/dataset.js';
import type { TaskFormat } from '../tasks/types.js';

/** The width and depth of the models a synthetic study trains; vocabulary and length come from the task. */
export interface SyntheticModelSize {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
}

/**
 * Tiny: the `tiny` preset's width and depth (d 64, FFN 192, 2 layers, 4 heads). Two layers is the
 * least that recall needs (one layer to tie each value to its key, one to look it up), and the
 * least that has a hybrid (one standard, one relaxed layer).
 */
export const TINY_SYNTHETIC: SyntheticModelSize = { hiddenSize: 64, intermediateSize: 192, numLayers: 2, numHeads: 4 };

/** The decoder config for a task's format: the model's vocabulary and Lmax are the rung's. */
export function syntheticModelConfig(format: TaskFormat, size: SyntheticModelSize = TINY_SYNTHETIC): ModelConfig {
  return { ...size, vocabSize: format.vocabSize, maxPositions: format.seqLen, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
}

/** Sinusoidal position embeddings `L×d` (fixed, as MAD's decoder uses). */
function sinusoid(length: number, d: number): tf.Tensor2D {
  const out = new Float32Array(length * d);
  const half = d / 2;
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / Math.pow(10000, i / half);
      out[p * d + i] = Math.sin(angle);
      out[p * d + half + i] = Math.cos(angle);
    }
  }
  return tf.tensor2d(out, [length, d]);
}

/**
 * MAD's compression read-out: the encoder's hidden state at the last position (the compression
 * token), plus a fixed position embedding for each position to restore, through a two-layer MLP
 * (RMSNorm → linear → SiLU, twice; MAD uses GELU, which tfjs-core lacks) and the model's tied
 * output head. The same head for every mixer, so parameter counts stay equal.
 */
class ReconstructHead {
  readonly params: ModelParam[] = [];
  private readonly positions: tf.Tensor2D;
  private readonly w: Record<string, tf.Variable> = {};
  private readonly eps: number;

  constructor(d: number, length: number, seed: number, eps: number) {
    this.eps = eps;
    const mk = (name: string, shape: number[], kind: ModelParam['kind'], init: 'normal' | 'ones' | 'zeros') => {
      const spec = { shape, init: init === 'normal' ? ({ type: 'normal', std: INIT_STD } as const) : ({ type: init } as const) };
      const v = tf.tidy(() => tf.variable(initTensor(spec, deriveSeed(seed, name)), true, `synthetic-head${++headCounter}/${name}`));
      this.w[name] = v;
      this.params.push({ name, variable: v, kind });
    };
    for (const i of [0, 1]) {
      mk(`decoder.${i}.norm.weight`, [d], 'norm', 'ones');
      mk(`decoder.${i}.weight`, [d, d], 'linear', 'normal');
      mk(`decoder.${i}.bias`, [d], 'bias', 'zeros');
    }
    mk('decoder.out_norm.weight', [d], 'norm', 'ones');
    this.positions = sinusoid(length, d);
  }

  /** Logits `B×L×V` for every position, from final hidden states `B×L×d`. */
  apply(lm: LanguageModel, h: tf.Tensor3D): tf.Tensor3D {
    const [b, L, d] = h.shape;
    const last = tf.slice(h, [0, L - 1, 0], [b, 1, d]);
    let x: tf.Tensor = tf.add(last, tf.expandDims(this.positions, 0));
    for (const i of [0, 1]) {
      const n = rmsNorm(x, this.w[`decoder.${i}.norm.weight`]!, this.eps);
      x = silu(linear(n, this.w[`decoder.${i}.weight`]!, this.w[`decoder.${i}.bias`]!));
    }
    return lm.logitsFromHidden(rmsNorm(x, this.w['decoder.out_norm.weight']!, this.eps) as tf.Tensor3D);
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.positions.dispose();
  }
}
let headCounter = 0;

/** A language model built from a layer plan, with the read-out its task needs. */
export class TaskModel {
  private constructor(
    readonly lm: LanguageModel,
    private readonly head: ReconstructHead | null,
  ) {}

  static async create(data: TaskData, plan: LayerPlan, size: SyntheticModelSize = TINY_SYNTHETIC, seed = 0): Promise<TaskModel> {
    const config = syntheticModelConfig(data.format, size);
    const lm = await LanguageModel.create({
      config,
      plan,
      seed,
      // fixed-seq-qk's "fixed natural sequence" is a typical sequence of the task itself.
      environment: { defaultPassage: (length) => data.fixedContext.slice(0, length) },
    });
    let head: ReconstructHead | null = null;
    if (data.format.head === 'reconstruct') head = new ReconstructHead(config.hiddenSize, config.maxPositions, deriveSeed(seed, 'reconstruct-head'), config.rmsNormEps);
    else if (data.format.head !== 'next-token') {
      lm.dispose();
      throw new DeconattnError(`Task '${data.task}' asks for head '${String(data.format.head)}'; heads: next-token, reconstruct.`);
    }
    return new TaskModel(lm, head);
  }

  /** Every trained tensor, the model's under its checkpoint names, the head's under `head.*`. */
  namedParams(): ModelParam[] {
    return [...this.lm.namedParams(), ...(this.head?.params.map((p) => ({ ...p, name: `head.${p.name}` })) ?? [])];
  }

  parameterCount(): number {
    return this.lm.parameterCount() + (this.head?.params.reduce((n, p) => n + p.variable.size, 0) ?? 0);
  }

  /** Logits `B×L×V` for int32 ids `B×L`; call inside a tidy. */
  logits(ids: tf.Tensor2D, training: boolean): tf.Tensor3D {
    const h = this.lm.hidden(ids, { training });
    return this.head ? this.head.apply(this.lm, h) : this.lm.logitsFromHidden(h);
  }

  dispose(): void {
    this.lm.dispose();
    this.head?.dispose();
  }
}
