import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  DeconattnError,
  isVersionBefore,
  ShapeError,
  applyRope,
  attentionParamSpecs,
  causalAttention,
  causalSoftmaxAttention,
  linear,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type TokenMixer,
  type TokenMixerDefinition,
  projectHeads,
  outputProjection,
} from '@deconattn/core';
import pkg from '../package.json';
import { attentionNorm } from './attention-norm.js';

export interface StaticEmbQkOptions {
  /**
   * How the static embeddings `e = Emb(t)` enter the query/key projections. `none` (default):
   * `Q,K = e W + b`, as the paper writes it. `attention`: `e` first goes through this layer's
   * attention RMSNorm with its learned scale (the default before 0.2.0).
   */
  norm: 'none' | 'attention';
}

const DEFAULTS: StaticEmbQkOptions = { norm: 'none' };

/** Defaults of the releases before 0.2.0 (which had no options): what their checkpoints meant. */
const DEFAULTS_BEFORE_0_2_0: StaticEmbQkOptions = { norm: 'attention' };

const NORM_CHECKS = {
  norm: optionChecks.oneOf(['none', 'attention'], " (none: Q,K = Emb(t) W + b as the paper writes it, the default; attention: Emb(t) through the layer's attention RMSNorm first)"),
};
const CURRENT_OPTIONS = defineMixerOptions('static-emb-qk', DEFAULTS, NORM_CHECKS);
/** Checkpoints of releases before 0.2.0 read with those releases' defaults. */
const OPTIONS_BEFORE_0_2_0 = defineMixerOptions('static-emb-qk', DEFAULTS_BEFORE_0_2_0, NORM_CHECKS);

/**
 * `static-emb-qk` (docs/model.md §3.7): relaxes "current QK". `Q,K = e W + b` with `e = Emb(t)` the
 * static embeddings of the input tokens (`norm: 'attention'`: `RMSNorm_attn_l(e)`), RoPE applied;
 * `V = Hn W_V + b_V`; causal softmax. Every layer reads the same source, so all layers' maps
 * could be computed in parallel. Decodes with a KV cache (keys from the static embeddings,
 * values from Hn).
 */
export class StaticEmbQkAttention implements TokenMixer<StaticEmbQkOptions> {
  readonly id = 'static-emb-qk';
  constructor(
    readonly dims: ModelDims,
    readonly options: StaticEmbQkOptions,
  ) {}

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const e = ctx.staticEmbeddings;
    if (!e) {
      throw new DeconattnError(`static-emb-qk: the context has no static embeddings (context.staticEmbeddings = Emb(t), B×T×d). The model provides them when needs() asks; when calling the mixer directly, pass them.`);
    }
    if (e.shape[0] !== hn.shape[0] || e.shape[1] !== hn.shape[1] || e.shape[2] !== hn.shape[2]) {
      throw new ShapeError(`static-emb-qk: static embeddings have shape [${e.shape.join(', ')}] but the input is [${hn.shape.join(', ')}]; they must be the embeddings of the same tokens.`);
    }
    const { numHeads, ropeTheta } = this.dims;
    const state = ctx.state;
    const past = state ? state.length : 0;
    const offset = state ? past : ctx.positionOffset;
    const en = this.options.norm === 'attention' ? attentionNorm(e, ctx) : e;
    if (!state && !ctx.capture) {
      // Training and scoring: one fused kernel where the backend has it (same numbers).
      const proj = (x: tf.Tensor3D, which: 'q' | 'k' | 'v') => linear(x, w[`${which}_proj.weight`]!, w[`${which}_proj.bias`]) as tf.Tensor3D;
      const mixed = causalAttention(proj(en, 'q'), proj(en, 'k'), proj(hn, 'v'), { numHeads, ropeTheta, positionOffset: offset });
      return linear(mixed, w['o_proj.weight']!) as tf.Tensor3D;
    }
    const q = applyRope(projectHeads(en, w, 'q', numHeads), offset, ropeTheta);
    let k = applyRope(projectHeads(en, w, 'k', numHeads), offset, ropeTheta);
    let v = projectHeads(hn, w, 'v', numHeads);
    if (state) {
      const oldK = state.tensors.k as tf.Tensor4D | undefined;
      const oldV = state.tensors.v as tf.Tensor4D | undefined;
      if (oldK && oldV) {
        k = tf.concat([oldK, k], 2) as tf.Tensor4D;
        v = tf.concat([oldV, v], 2) as tf.Tensor4D;
      }
      state.tensors.k = tf.keep(k);
      state.tensors.v = tf.keep(v);
      oldK?.dispose();
      oldV?.dispose();
      state.length += hn.shape[1];
    }
    const want = { map: !!ctx.capture?.attention, logits: !!ctx.capture?.logits };
    const { out, map, logits } = causalSoftmaxAttention(q, k, v, past, want);
    if (map) ctx.capture!.attention!(ctx.layer, map);
    if (logits) ctx.capture!.logits!(ctx.layer, logits);
    return outputProjection(out, w);
  }
}

export const staticEmbQk: TokenMixerDefinition<StaticEmbQkOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...CURRENT_OPTIONS,
  id: 'static-emb-qk',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'current QK',
  description: 'Queries and keys from the static input embeddings Emb(t) (optionally through the layer’s attention norm); values from the current layer.',
  decoding: 'kv-cache',
  hasAttentionMap: true,
  loadOptions: (recorded, version) => (isVersionBefore(version, '0.2.0') ? OPTIONS_BEFORE_0_2_0 : CURRENT_OPTIONS).parseOptions(recorded),
  needs: () => ({ staticEmbeddings: true }),
  create: (dims, options) => new StaticEmbQkAttention(dims, options),
};
