/**
 * What fine-tuning needs from a model: final hidden states that are differentiable with respect
 * to its trainable tensors. @deconattn/hybrid's LanguageModel provides it through
 * `featureModelFromLanguageModel` (structurally typed, so this package needs no import of it).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { EvalTokenizer } from '../model.js';

export interface FeatureParam {
  variable: tf.Variable;
  /** Whether decoupled weight decay applies (weight matrices and embeddings, not norms or biases). */
  decay: boolean;
}

export interface FeatureModel {
  readonly tokenizer: EvalTokenizer;
  /** At most this many tokens per sequence. */
  readonly maxLength: number;
  readonly hiddenSize: number;
  /** Identifies the pre-trained weights in the results. */
  readonly checksum: string;
  readonly description: Record<string, unknown>;
  /** Final hidden states B×T×d for int32 ids B×T (right-padded). Usable inside tf.variableGrads. */
  hidden(ids: tf.Tensor2D, training: boolean): tf.Tensor3D;
  /** The tensors fine-tuning trains. */
  params(): FeatureParam[];
  /** Called after the weights were changed (optimizer step, restore), e.g. to drop inference caches. */
  weightsChanged(): void;
}

/** The parts of @deconattn/hybrid's LanguageModel the adapter uses. */
export interface LanguageModelLike {
  readonly config: { hiddenSize: number; maxPositions: number };
  hidden(ids: tf.Tensor2D, opts?: { training?: boolean }): tf.Tensor3D;
  namedParams(): readonly { name: string; variable: tf.Variable; kind: string }[];
  markWeightsChanged(): void;
  readonly layerMixers?: readonly string[];
  readonly plan?: unknown;
  parameterCount?(): number;
}

export function featureModelFromLanguageModel(lm: LanguageModelLike, tokenizer: EvalTokenizer, opts: { checksum?: string; description?: Record<string, unknown> } = {}): FeatureModel {
  return {
    tokenizer,
    maxLength: lm.config.maxPositions,
    hiddenSize: lm.config.hiddenSize,
    checksum: opts.checksum ?? '',
    description: { layers: lm.layerMixers, plan: lm.plan, parameters: lm.parameterCount?.(), ...opts.description },
    hidden: (ids, training) => lm.hidden(ids, { training }),
    params: () =>
      lm
        .namedParams()
        .filter((p) => p.kind !== 'buffer')
        .map((p) => ({ variable: p.variable, decay: p.kind === 'linear' || p.kind === 'embedding' })),
    weightsChanged: () => lm.markWeightsChanged(),
  };
}
