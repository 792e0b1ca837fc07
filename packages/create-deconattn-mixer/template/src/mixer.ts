import * as tf from '@tensorflow/tfjs-core';
import {
  INIT_STD,
  TOKEN_MIXER_SPEC_VERSION,
  causalBias,
  defineMixerOptions,
  linear,
  outputProjection,
  splitHeads,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type ParamSpec,
  type TokenMixer,
  type TokenMixerDefinition,
} from '@deconattn/core';
// The package's own name and version, recorded in every checkpoint that uses this mixer. tsup
// inlines the file into dist/, so nothing reads package.json at run time.
import pkg from '../package.json' with { type: 'json' };

/**
 * A decayed causal mean, the worked example of this package. Head h mixes the values of the
 * tokens so far with weights that decay with distance:
 *
 *   V = Hn W_V + b_V                      (split into h heads of size dh = d/h)
 *   s_ij = −λ_h (i − j)                   λ_h = scale · m_h,  m_h = 2^(−8h/H)  (ALiBi's slopes), h = 1…H
 *   A_ij = softmax_{j ≤ i}(s_ij) = e^{−λ_h (i−j)} / Σ_{k≤i} e^{−λ_h (i−k)}
 *   O = concat_h(A_h V_h) W_O
 *
 * The weights depend only on the distance i − j, never on the tokens: it relaxes attention's
 * *sequence dependency*. `scale: 0` is a plain causal mean. Its decoding form is recurrent: per
 * head, a running numerator Σ_j e^{−λ(i−j)} v_j and denominator, each multiplied by e^{−λ} per
 * token, so a state of B·d + h numbers replaces the KV cache.
 *
 * (Causal ALiBi attention is this plus standard attention's q·k/√dh term in s_ij: a good first
 * change to make.)
 */
export interface __MixerName__Options {
  /** Multiplies every head's slope m_h: larger forgets faster; 0 gives a plain causal mean. */
  scale: number;
}

const DEFAULTS: __MixerName__Options = { scale: 1 };

/** λ_h = scale · 2^(−8h/H) for h = 1…H (ALiBi's geometric slopes). */
export function decayRates(numHeads: number, scale: number): number[] {
  return Array.from({ length: numHeads }, (_, h) => scale * 2 ** ((-8 * (h + 1)) / numHeads));
}

export class __MixerName__Mixer implements TokenMixer<__MixerName__Options> {
  readonly id = '__mixer-id__';
  private readonly rates: number[];

  constructor(
    readonly dims: ModelDims,
    readonly options: __MixerName__Options,
  ) {
    this.rates = decayRates(dims.numHeads, options.scale);
  }

  /**
   * W_V (with bias) and W_O: 2d² + d parameters, under standard attention's names so that the
   * checkpoint reads like one (`model.layers.{i}.self_attn.v_proj.weight`). Linear weights are
   * `[in, out]`; the model creates, initialises and saves the variables.
   */
  params(): ParamSpec[] {
    const d = this.dims.hiddenSize;
    const inner = this.dims.numHeads * this.dims.headDim;
    return [
      { name: 'v_proj.weight', shape: [d, inner], kind: 'linear', init: { type: 'normal', std: INIT_STD } },
      { name: 'v_proj.bias', shape: [inner], kind: 'bias', init: { type: 'zeros' } },
      { name: 'o_proj.weight', shape: [inner, d], kind: 'linear', init: { type: 'normal', std: INIT_STD } },
    ];
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  /**
   * One code path for the parallel form (no `ctx.state`) and decoding (`ctx.state` set, `hn`
   * holding the next tokens). Every tensor made here is an intermediate: the caller's tf.tidy
   * frees it. Only the state's tensors are kept (tf.keep), and this method disposes the old ones.
   */
  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const [b, t] = hn.shape;
    const v = splitHeads(linear(hn, w['v_proj.weight']!, w['v_proj.bias']) as tf.Tensor3D, this.dims.numHeads); // B×h×T×dh
    const logits = this.logits(t); // 1×h×T×T, s_ij = −λ_h (i − j)
    // e^{s_ij} on and below the diagonal, 0 above it (the mask is added before exp: no overflow).
    const weights = tf.tile(tf.exp(tf.add(logits, causalBias(t, t, 0))), [b, 1, 1, 1]) as tf.Tensor4D;
    let num = tf.matMul(weights, v) as tf.Tensor4D; // B×h×T×dh
    let den = tf.sum(weights, -1, true) as tf.Tensor4D; // B×h×T×1, ≥ 1 (the diagonal term)
    const state = ctx.state;
    if (state) {
      // Tokens before this call reach row i through the carried sums, decayed by e^{−λ(i+1)}.
      const carried = this.carryDecay(t); // 1×h×T×1
      const oldNum = state.tensors.num;
      const oldDen = state.tensors.den;
      if (oldNum && oldDen) {
        num = tf.add(num, tf.mul(carried, oldNum)) as tf.Tensor4D;
        den = tf.add(den, tf.mul(carried, oldDen)) as tf.Tensor4D;
      }
      // The last row's sums are the state after this call.
      state.tensors.num = tf.keep(tf.slice(num, [0, 0, t - 1, 0], [-1, -1, 1, -1]));
      state.tensors.den = tf.keep(tf.slice(den, [0, 0, t - 1, 0], [-1, -1, 1, -1]));
      oldNum?.dispose();
      oldDen?.dispose();
      state.length += t;
    } else if (ctx.capture) {
      // Maps and logits of the parallel form only (the recurrent form keeps no per-key weights).
      // Both are lent to the hooks: never tf.keep them; the caller's tidy frees them.
      if (ctx.capture.attention) ctx.capture.attention(ctx.layer, tf.div(weights, den) as tf.Tensor4D);
      if (ctx.capture.logits) ctx.capture.logits(ctx.layer, tf.tile(logits, [b, 1, 1, 1]) as tf.Tensor4D);
    }
    return outputProjection(tf.div(num, den) as tf.Tensor4D, w);
  }

  /** `1×h×T×T`: −λ_h (i − j) for every query i and key j of a T-token call. */
  private logits(t: number): tf.Tensor4D {
    const h = this.rates.length;
    const s = new Float32Array(h * t * t);
    for (let head = 0; head < h; head++) for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) s[(head * t + i) * t + j] = -this.rates[head]! * (i - j);
    return tf.tensor4d(s, [1, h, t, t]);
  }

  /** `1×h×T×1`: e^{−λ_h (i + 1)}, how much the sums carried into a call count at its row i. */
  private carryDecay(t: number): tf.Tensor4D {
    const h = this.rates.length;
    const c = new Float32Array(h * t);
    for (let head = 0; head < h; head++) for (let i = 0; i < t; i++) c[head * t + i] = Math.exp(-this.rates[head]! * (i + 1));
    return tf.tensor4d(c, [1, h, t, 1]);
  }
}

const scaleCheck = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a finite number ≥ 0 (0: a plain causal mean)');

/** The definition: what plans, checkpoints, the CLI and the conformance kit know the mixer by. */
export const __mixerName__Mixer: TokenMixerDefinition<__MixerName__Options> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  // defaultOptions and parseOptions: unknown or bad options are errors that name the right ones.
  ...defineMixerOptions('__mixer-id__', DEFAULTS, { scale: scaleCheck }),
  id: '__mixer-id__',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency (the weights depend only on the distance i − j, not on the tokens)',
  description: 'Decayed causal mean: each head averages the values so far with weights e^(−λ_h (i−j)) (ALiBi slopes), then W_O.',
  decoding: 'recurrent',
  hasAttentionMap: true,
  needs: () => ({}),
  create: (dims, options) => new __MixerName__Mixer(dims, options),
};
