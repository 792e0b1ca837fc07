import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  INIT_STD,
  attentionParamCount,
  swiglu,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type ParamSpec,
  type TokenMixer,
  type TokenMixerDefinition,
} from '@deconattn/core';
import pkg from '../package.json';

export interface MlpMixerOptions {
  /** Inner width m; null = the width matching attention's parameter count (docs/model.md §3.2). */
  innerSize: number | null;
}

const DEFAULTS: MlpMixerOptions = { innerSize: null };

/** m = round((4d² + 3d) / (3d)): 3dm parameters as close to attention's 4d² + 3d as an integer allows. */
export function mlpInnerSize(hiddenSize: number): number {
  return Math.round((4 * hiddenSize * hiddenSize + 3 * hiddenSize) / (3 * hiddenSize));
}

export interface MlpParameterDifference {
  hiddenSize: number;
  innerSize: number;
  /** 3·d·m. */
  mlpParams: number;
  /** 4d² + 3d. */
  attentionParams: number;
  /** mlpParams − attentionParams (0 at d = 768; |difference| ≤ 1.5d otherwise). */
  difference: number;
}

/** The residual parameter difference between the `mlp` mixer and standard attention at hidden size d. */
export function mlpParameterDifference(hiddenSize: number, innerSize: number = mlpInnerSize(hiddenSize)): MlpParameterDifference {
  const mlpParams = 3 * hiddenSize * innerSize;
  const attentionParams = attentionParamCount(hiddenSize);
  return { hiddenSize, innerSize, mlpParams, attentionParams, difference: mlpParams - attentionParams };
}

/**
 * `mlp` (docs/model.md §3.2): relaxes token mixing. A gated MLP `down(SiLU(gate(Hn)) ⊙ up(Hn))` without
 * biases replaces attention; every token is processed alone, so decoding keeps nothing.
 */
export class MlpMixer implements TokenMixer<MlpMixerOptions> {
  readonly id = 'mlp';
  readonly innerSize: number;
  constructor(
    readonly dims: ModelDims,
    readonly options: MlpMixerOptions,
  ) {
    this.innerSize = options.innerSize ?? mlpInnerSize(dims.hiddenSize);
  }

  params(): ParamSpec[] {
    const d = this.dims.hiddenSize;
    const m = this.innerSize;
    const w = (name: string, i: number, o: number): ParamSpec => ({ name, shape: [i, o], kind: 'linear', init: { type: 'normal', std: INIT_STD } });
    return [w('gate_proj.weight', d, m), w('up_proj.weight', d, m), w('down_proj.weight', m, d)];
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const out = swiglu(hn, w['gate_proj.weight'], w['up_proj.weight'], w['down_proj.weight']) as tf.Tensor3D;
    // Nothing to cache, but the state still counts consumed tokens like every other mixer's.
    if (ctx.state) ctx.state.length += hn.shape[1];
    return out;
  }
}

export const mlpMixer: TokenMixerDefinition<MlpMixerOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('mlp', DEFAULTS, { innerSize: optionChecks.orNull(optionChecks.integer(1), 'for the parameter-matched width') }),
  id: 'mlp',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'token mixing',
  description: 'Gated MLP per token (no mixing between positions), inner width matched to attention’s parameter count.',
  decoding: 'none',
  hasAttentionMap: false,
  needs: () => ({}),
  create: (dims, options) => new MlpMixer(dims, options),
};
