import * as tf from '@tensorflow/tfjs-core';
import {
  DeconattnError,
  optionChecks,
  ShapeError,
  applyRope,
  attentionParamSpecs,
  causalAttention,
  causalBias,
  linear,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type TokenMixer,
  projectHeads,
  outputProjection,
} from '@deconattn/core';
import { stopGradient } from './stopGradient.js';

export interface FixedStreamMixerOptions {
  /** Cut gradients from the maps into the fixed stream (default false: they flow, docs/model.md §3.5). */
  stopGradient: boolean;
}

/**
 * Above this many map elements per layer (h·Lmax²) the inference cache keeps the stream's rotated
 * Q and K (2·Lmax·d) instead of the maps: full maps at the paper sizes would take gigabytes.
 * Tiny and small presets (≤ 4·128² elements) cache the maps themselves.
 */
export const MAP_CACHE_LIMIT = 1 << 22;

/**
 * Attention whose maps come from the model's fixed stream (docs/model.md §3.5–3.6), shared by
 * `rnd-emb-qk` and `fixed-seq-qk`: `Q,K = Xn W + b` with RoPE from `context.stream.hn` (this
 * layer's normalised stream, `1×Lmax×d`), `A = softmax(causal(QKᵀ/√dh))`, the batch's output
 * `A · (Hn W_V + b_V)` then W_O. A sequence of length n uses the top-left n×n block (exact: the
 * stream is causal); decoding at positions p…p+T−1 uses rows p…p+T−1 and keeps the values.
 * Applied to the stream itself (`hn` = the stream), this is standard attention on the stream.
 */
export class FixedStreamAttention<Options extends FixedStreamMixerOptions> implements TokenMixer<Options> {
  constructor(
    readonly id: string,
    readonly dims: ModelDims,
    readonly options: Options,
  ) {}

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const stream = ctx.stream?.hn;
    if (!stream) {
      throw new DeconattnError(
        `${this.id}: the context has no fixed stream (context.stream.hn, 1×Lmax×d). The model provides it when the mixer's needs() declares a fixedStream; when calling the mixer directly, pass the layer's normalised stream.`,
      );
    }
    const [b, t] = hn.shape;
    const state = ctx.state;
    if (!state && ctx.positionOffset !== 0) {
      throw new DeconattnError(`${this.id}: a call at position offset ${ctx.positionOffset} needs the decoding state (context.state) holding the earlier tokens' values; without a state the input must start at position 0.`);
    }
    const start = state ? state.length : 0;
    const end = start + t;
    const lmax = stream.shape[1];
    if (end > lmax) {
      throw new ShapeError(
        `${this.id}: the input reaches position ${end}, but the fixed stream has Lmax = ${lmax} positions, so there is no attention map for it. Use sequences of at most ${lmax} tokens (score longer texts in windows), or train with a larger maxPositions.`,
      );
    }
    if (!state && !ctx.capture && (ctx.training || !ctx.inferenceCache)) {
      // Training: maps and products in one kernel each way where the backend has it (same numbers).
      let xn = t === lmax ? stream : (tf.slice(stream, [0, 0, 0], [1, t, -1]) as tf.Tensor3D);
      if (this.options.stopGradient) xn = stopGradient(xn);
      const proj = (x: tf.Tensor3D, which: 'q' | 'k' | 'v') => linear(x, w[`${which}_proj.weight`]!, w[`${which}_proj.bias`]) as tf.Tensor3D;
      const mixed = causalAttention(proj(xn, 'q'), proj(xn, 'k'), proj(hn, 'v'), { numHeads: this.dims.numHeads, ropeTheta: this.dims.ropeTheta });
      return linear(mixed, w['o_proj.weight']!) as tf.Tensor3D;
    }
    const map = this.mapRows(stream, w, ctx, start, end); // 1×h×T×end
    let v = projectHeads(hn, w, 'v', this.dims.numHeads);
    if (state) {
      const old = state.tensors.v as tf.Tensor4D | undefined;
      if (old) v = tf.concat([old, v], 2) as tf.Tensor4D;
      state.tensors.v = tf.keep(v);
      old?.dispose();
      state.length += t;
    }
    if (ctx.capture?.attention) ctx.capture.attention(ctx.layer, tf.tile(map, [b, 1, 1, 1]) as tf.Tensor4D);
    if (ctx.capture?.logits) {
      const { q, k } = this.streamQK(stream, w, end);
      ctx.capture.logits(ctx.layer, tf.tile(this.rows(q, k, start, end).logits, [b, 1, 1, 1]) as tf.Tensor4D);
    }
    return outputProjection(sharedMapTimes(map, v), w);
  }

  /** Rows start…end−1 (keys 0…end−1) of the layer's map, from the inference cache when there is one. */
  private mapRows(stream: tf.Tensor3D, w: MixerWeights, ctx: MixerContext, start: number, end: number): tf.Tensor4D {
    const cache = ctx.training ? undefined : ctx.inferenceCache;
    const lmax = stream.shape[1];
    if (!cache) {
      const { q, k } = this.streamQK(stream, w, end);
      return this.rows(q, k, start, end).map;
    }
    const t = end - start;
    if (this.dims.numHeads * lmax * lmax <= MAP_CACHE_LIMIT) {
      let full = cache.get('fixed-maps/map') as tf.Tensor4D | undefined;
      if (!full) {
        full = tf.keep(tf.tidy(() => {
          const { q, k } = this.streamQK(stream, w, lmax);
          return this.rows(q, k, 0, lmax).map;
        }));
        cache.set('fixed-maps/map', full);
      }
      return tf.slice(full, [0, 0, start, 0], [-1, -1, t, end]) as tf.Tensor4D;
    }
    let q = cache.get('fixed-maps/q') as tf.Tensor4D | undefined;
    let k = cache.get('fixed-maps/k') as tf.Tensor4D | undefined;
    if (!q || !k) {
      const qk = tf.tidy(() => this.streamQK(stream, w, lmax));
      q = tf.keep(qk.q);
      k = tf.keep(qk.k);
      cache.set('fixed-maps/q', q);
      cache.set('fixed-maps/k', k);
    }
    return this.rows(q, k, start, end).map;
  }

  /** The stream's rotated queries and keys for positions 0…end−1, `1×h×end×dh`. */
  private streamQK(stream: tf.Tensor3D, w: MixerWeights, end: number): { q: tf.Tensor4D; k: tf.Tensor4D } {
    const { numHeads, ropeTheta } = this.dims;
    let xn = end === stream.shape[1] ? stream : (tf.slice(stream, [0, 0, 0], [1, end, -1]) as tf.Tensor3D);
    if (this.options.stopGradient) xn = stopGradient(xn);
    const q = applyRope(projectHeads(xn, w, 'q', numHeads), 0, ropeTheta);
    const k = applyRope(projectHeads(xn, w, 'k', numHeads), 0, ropeTheta);
    return { q, k };
  }

  /** Causal softmax rows start…end−1 over keys 0…end−1 from the stream's q (≥ end rows) and k. */
  private rows(q: tf.Tensor4D, k: tf.Tensor4D, start: number, end: number): { map: tf.Tensor4D; logits: tf.Tensor4D } {
    const t = end - start;
    const qr = tf.slice(q, [0, 0, start, 0], [-1, -1, t, -1]);
    const kr = k.shape[2] === end ? k : tf.slice(k, [0, 0, 0, 0], [-1, -1, end, -1]);
    const logits = tf.mul(tf.matMul(qr, kr, false, true), 1 / Math.sqrt(this.dims.headDim)) as tf.Tensor4D;
    return { map: tf.softmax(tf.add(logits, causalBias(t, end, start))) as tf.Tensor4D, logits };
  }
}

/**
 * `map` (1×h×T×S, shared by the batch) times `v` (B×h×S×dh) without tiling the map B times: the
 * batch is moved into the columns, `h×S×(B·dh)`, so it is one batched matMul.
 */
function sharedMapTimes(map: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [b, h, s, dh] = v.shape;
  const t = map.shape[2];
  const cols = tf.reshape(tf.transpose(v, [1, 2, 0, 3]), [h, s, b * dh]) as tf.Tensor3D;
  const out = tf.matMul(tf.reshape(map, [h, t, s]) as tf.Tensor3D, cols);
  return tf.transpose(tf.reshape(out, [h, t, b, dh]), [2, 0, 1, 3]) as tf.Tensor4D;
}

/** Validates the options shared by the fixed-stream mixers. */
/** The check of the fixed-stream mixers' `stopGradient` option. */
export const STOP_GRADIENT_CHECK = optionChecks.boolean(' (default false: gradients flow through the stream)');
