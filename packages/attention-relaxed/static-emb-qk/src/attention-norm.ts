import type * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, type MixerContext } from '@deconattn/core';

/**
 * `RMSNorm_attn_l(e)`: the static embeddings normalised the way `Hn` was, by this layer's
 * attention norm with its learned scale (docs/model.md §3.7). The model provides it as
 * `context.attentionNorm`, so gradients reach that norm's weight.
 */
export function attentionNorm(e: tf.Tensor3D, ctx: MixerContext): tf.Tensor3D {
  if (!ctx.attentionNorm) {
    throw new DeconattnError(
      `static-emb-qk: the context of layer ${ctx.layer} has no attentionNorm, needed to normalise the static embeddings (docs/model.md §3.7). Pass the layer's RMSNorm with its learned scale as context.attentionNorm(x) (@deconattn/hybrid's LanguageModel does).`,
    );
  }
  return ctx.attentionNorm(e);
}
