import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  DeconattnError,
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

/** No options: MODEL.md §3.7 fixes the source (Emb(t)), its norm (the layer's) and RoPE (on). */
export type StaticEmbQkOptions = Record<string, never>;

const DEFAULTS: StaticEmbQkOptions = {};

/**
 * `static-emb-qk` (MODEL.md §3.7): relaxes "current QK". `Q,K = RMSNorm_attn_l(e) W + b` with
 * `e = Emb(t)` the static embeddings of the input tokens, RoPE applied; `V = Hn W_V + b_V`; causal
 * softmax. Every layer reads the same source, so all layers' maps could be computed in parallel.
 * Decodes with a KV cache (keys from the static embeddings, values from Hn).
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
    const en = attentionNorm(e, ctx);
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
  id: 'static-emb-qk',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'current QK',
  description: 'Queries and keys from the static input embeddings Emb(t) through the layer’s attention norm; values from the current layer.',
  decoding: 'kv-cache',
  hasAttentionMap: true,
  defaultOptions: DEFAULTS,
  parseOptions(raw: unknown): StaticEmbQkOptions {
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new DeconattnError(`static-emb-qk: options must be an object (it has none: {}), got ${JSON.stringify(raw)}.`);
    }
    const keys = Object.keys((raw as object) ?? {});
    if (keys.length) throw new DeconattnError(`static-emb-qk: unknown option '${keys[0]}'. This mixer has no options.`);
    return {};
  },
  needs: () => ({ staticEmbeddings: true }),
  create: (dims, options) => new StaticEmbQkAttention(dims, options),
};
