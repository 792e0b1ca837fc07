import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, rmsNorm, type MixerContext, type MixerWeights } from '@deconattn/core';

/**
 * The hook this mixer needs from the model: the layer's attention RMSNorm (with its learned
 * scale), to normalise the static embeddings the way `Hn` was normalised (MODEL.md §3.7).
 * Proposed for `MixerContext` as `attentionNorm?(x: tf.Tensor3D): tf.Tensor3D`.
 */
export interface AttentionNormContext {
  attentionNorm?: (x: tf.Tensor3D) => tf.Tensor3D;
}

/**
 * `RMSNorm_attn_l(e)`. Uses `context.attentionNorm` when the model passes it. Until every model
 * does, a model that stores weights as tf.Variables named `…model.layers.{i}.self_attn.q_proj.weight`
 * (the deconattn LanguageModel) has its attention norm registered as
 * `…model.layers.{i}.input_layernorm.weight`: that variable is used, so gradients reach it.
 */
export function attentionNorm(e: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
  const hook = (ctx as MixerContext & AttentionNormContext).attentionNorm;
  if (hook) return hook(e);
  const name = (w['q_proj.weight'] as tf.Variable).name;
  const match = typeof name === 'string' ? /^(.*)\.self_attn\.q_proj\.weight$/.exec(name) : null;
  const weight = match ? tf.engine().registeredVariables[`${match[1]}.input_layernorm.weight`] : undefined;
  if (!weight) {
    throw new DeconattnError(
      `static-emb-qk: cannot find layer ${ctx.layer}'s attention norm to normalise the static embeddings (MODEL.md §3.7). Pass it in the context as attentionNorm(x) (the layer's RMSNorm with its learned scale).`,
    );
  }
  return rmsNorm(e, weight, ctx.dims.rmsNormEps) as tf.Tensor3D;
}
