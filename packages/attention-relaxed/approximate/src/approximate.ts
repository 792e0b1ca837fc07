import type * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  applyRope,
  attentionParamSpecs,
  type AttentionMapForm,
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
import { BasedKernel } from './based-kernel.js';
import type { ApproximateKernelForm } from './kernel-form.js';
import { DEFAULTS, loadApproximateOptions, parseApproximateOptions, type ApproximateAttentionOptions } from './options.js';
import { PaperKernel } from './paper-kernel.js';

/**
 * `approximate` (docs/model.md §3.3): relaxes the mathematical form but keeps its intention. Standard
 * Q, K, V with RoPE on Q and K; the softmax replaced by a second-order Taylor approximation, in
 * the paper's form (Eq. 14–17, default) or Based's (`kernel: 'based'`). Training and scoring use
 * the parallel form; decoding the recurrent form, O(1) per generated token.
 */
export class ApproximateAttention implements TokenMixer<ApproximateAttentionOptions> {
  readonly id = 'approximate';
  readonly kernel: ApproximateKernelForm;
  readonly mapForm?: AttentionMapForm;

  constructor(
    readonly dims: ModelDims,
    readonly options: ApproximateAttentionOptions,
  ) {
    this.kernel = options.kernel === 'paper' ? new PaperKernel() : new BasedKernel(options.kernel);
    this.mapForm = this.kernel.mapForm;
  }

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const { numHeads, ropeTheta } = this.dims;
    const state = ctx.state;
    const offset = state ? state.length : ctx.positionOffset;
    const q = applyRope(projectHeads(hn, w, 'q', numHeads), offset, ropeTheta);
    const k = applyRope(projectHeads(hn, w, 'k', numHeads), offset, ropeTheta);
    const v = projectHeads(hn, w, 'v', numHeads);
    const capture = state ? undefined : ctx.capture;
    const { out, map, logits } = this.kernel.run(q, k, v, state, { map: !!capture?.attention, logits: !!capture?.logits });
    if (state) state.length += hn.shape[1];
    if (map) capture!.attention!(ctx.layer, map);
    if (logits) capture!.logits!(ctx.layer, logits);
    return outputProjection(out, w);
  }
}

export const approximateAttention: TokenMixerDefinition<ApproximateAttentionOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  id: 'approximate',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'mathematical form (keeps its intention)',
  description: "Second-order Taylor approximation of softmax attention: the paper's three separately normalised terms (Eq. 14–17), or Based's kernel; parallel form for training, recurrent form for decoding.",
  decoding: 'recurrent',
  hasAttentionMap: true,
  defaultOptions: DEFAULTS,
  parseOptions: parseApproximateOptions,
  loadOptions: loadApproximateOptions,
  needs: () => ({}),
  create: (dims, options) => new ApproximateAttention(dims, options),
};
