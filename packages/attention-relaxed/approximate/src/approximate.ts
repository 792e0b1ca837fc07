import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  applyRope,
  attentionParamSpecs,
  causalMask,
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

export type TaylorKernel = 'full' | 'diag';

export interface ApproximateAttentionOptions {
  /**
   * `full` (DECIDED default): `T = 1 + s + s²/2`, the second-order Taylor expansion of `exp(s)`
   * ("Based"). `diag`: the appendix read with elementwise squares, three separately scaled terms,
   * feature map `[1, x/dh^¼, x⊙x/√2]`: `T = 1 + s + Σ_c (q_c k_c)²/2`. Its square term is
   * ≥ s²/2 (Cauchy–Schwarz: (Σ_c q_c k_c)² ≤ dh Σ_c (q_c k_c)²), so `T ≥ 1/2` and A stays
   * row-stochastic, as with `full`; scaling it by 1/dh (the diagonal of s² alone) would lose that.
   */
  kernel: TaylorKernel;
}

const DEFAULTS: ApproximateAttentionOptions = { kernel: 'full' };

/**
 * `approximate` (docs/model.md §3.3): relaxes the mathematical form but keeps its intention. Standard
 * Q, K, V with RoPE; the softmax's `exp(s)` is replaced by its Taylor polynomial `T(s)` and rows
 * are normalised by their sum. Training uses the parallel L×L form; decoding the recurrent
 * feature-map form `o_i = φ(q_i)ᵀS / φ(q_i)·z` with `S = Σ φ(k_j) v_jᵀ`, `z = Σ φ(k_j)`.
 */
export class ApproximateAttention implements TokenMixer<ApproximateAttentionOptions> {
  readonly id = 'approximate';
  constructor(
    readonly dims: ModelDims,
    readonly options: ApproximateAttentionOptions,
  ) {}

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const { numHeads, headDim, ropeTheta } = this.dims;
    const state = ctx.state;
    const offset = state ? state.length : ctx.positionOffset;
    const q = applyRope(projectHeads(hn, w, 'q', numHeads), offset, ropeTheta);
    const k = applyRope(projectHeads(hn, w, 'k', numHeads), offset, ropeTheta);
    const v = projectHeads(hn, w, 'v', numHeads);
    const t = hn.shape[1];
    // The chunk's own causal block, in the parallel Taylor form: exact for every chunk size.
    const { kernel, logits } = this.taylor(q, k, headDim);
    const within = tf.mul(kernel, causalMask(t, t, 0));
    let num = tf.matMul(within, v) as tf.Tensor4D;
    let den = tf.sum(within, -1, true) as tf.Tensor4D;
    if (state) {
      // Tokens before this chunk enter through the recurrent state (φ(q)ᵀS, φ(q)·z).
      const prevS = state.tensors.S as tf.Tensor4D | undefined;
      const prevZ = state.tensors.z as tf.Tensor4D | undefined;
      const phiK = this.featureMap(k, headDim);
      if (prevS && prevZ) {
        const phiQ = this.featureMap(q, headDim);
        num = tf.add(num, tf.matMul(phiQ, prevS)) as tf.Tensor4D;
        den = tf.add(den, tf.matMul(phiQ, prevZ)) as tf.Tensor4D;
      }
      const addS = tf.matMul(phiK, v, true, false) as tf.Tensor4D; // B×h×F×dh
      const addZ = tf.transpose(tf.sum(phiK, 2, true), [0, 1, 3, 2]) as tf.Tensor4D; // B×h×F×1
      state.tensors.S = tf.keep(prevS ? tf.add(prevS, addS) : addS);
      state.tensors.z = tf.keep(prevZ ? tf.add(prevZ, addZ) : addZ);
      prevS?.dispose();
      prevZ?.dispose();
      state.length += t;
    } else if (ctx.capture) {
      // The recurrent form keeps no keys, so maps are captured in the parallel form only.
      if (ctx.capture.attention) ctx.capture.attention(ctx.layer, tf.div(within, den) as tf.Tensor4D);
      if (ctx.capture.logits) ctx.capture.logits(ctx.layer, logits);
    }
    return outputProjection(tf.div(num, den) as tf.Tensor4D, w);
  }

  /** `T(s)` for every query/key pair of the chunk (not yet masked) and the scores `s = q·k/√dh`. */
  private taylor(q: tf.Tensor4D, k: tf.Tensor4D, dh: number): { kernel: tf.Tensor4D; logits: tf.Tensor4D } {
    const s = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)) as tf.Tensor4D;
    const second =
      this.options.kernel === 'full'
        ? tf.mul(tf.square(s), 0.5)
        : tf.mul(tf.matMul(tf.square(q), tf.square(k), false, true), 0.5);
    return { kernel: tf.add(tf.add(s, 1), second) as tf.Tensor4D, logits: s };
  }

  /**
   * φ(x) with φ(q)·φ(k) = T: `[1, x/dh^¼, vec(x xᵀ)/(√2·√dh)]` (full, 1 + dh + dh² features)
   * or `[1, x/dh^¼, x⊙x/√2]` (diag, 1 + 2dh features). `x` is `B×h×T×dh`.
   */
  featureMap(x: tf.Tensor4D, dh: number): tf.Tensor4D {
    const [b, h, t] = x.shape;
    const one = tf.ones([b, h, t, 1]);
    const lin = tf.mul(x, 1 / Math.pow(dh, 0.25));
    const sq =
      this.options.kernel === 'full'
        ? tf.mul(tf.reshape(tf.mul(tf.expandDims(x, 4), tf.expandDims(x, 3)), [b, h, t, dh * dh]), 1 / (Math.SQRT2 * Math.sqrt(dh)))
        : tf.mul(tf.square(x), Math.SQRT1_2);
    return tf.concat([one, lin, sq], 3) as tf.Tensor4D;
  }
}

export const approximateAttention: TokenMixerDefinition<ApproximateAttentionOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('approximate', DEFAULTS, { kernel: optionChecks.oneOf(['full', 'diag'], ' (full: 1 + s + s²/2, the default; diag: elementwise squares)') }),
  id: 'approximate',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'mathematical form (keeps its intention)',
  description: 'Second-order Taylor approximation of the softmax kernel (Based); parallel form for training, recurrent feature-map form for decoding.',
  decoding: 'recurrent',
  hasAttentionMap: true,
  needs: () => ({}),
  create: (dims, options) => new ApproximateAttention(dims, options),
};
