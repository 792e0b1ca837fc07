import { SCORING_SPEC_VERSION, weightDecayApplies, type FeatureModel, type ScoringModel } from '@deconattn/core';
import { createSha256 } from '../hash.js';
import type { LanguageModel } from './model.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { scoreBatch, scoreNextTokens } from './score.js';
import { checkpointConfig, modelTensors } from '../checkpoint/model-state.js';

/** A model with its tokenizer as an evaluation harness consumes it: core's `ScoringModel`. */
export interface Scorer extends ScoringModel {
  readonly specificationVersion: typeof SCORING_SPEC_VERSION;
  readonly model: LanguageModel;
  readonly tokenizer: Tokenizer;
  scoreNextTokens: NonNullable<ScoringModel['scoreNextTokens']>;
}

/** sha256 of the config, the skip setting and every weight: identifies the model for answer caches and results. */
export async function modelChecksum(model: LanguageModel, tokenizer: Tokenizer): Promise<string> {
  const h = createSha256();
  h.update(JSON.stringify(checkpointConfig(model, { tokenizer: tokenizer.toConfig() })));
  h.update(JSON.stringify(model.skip));
  for (const [name, t] of await modelTensors(model)) {
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.hex();
}

const describe = (model: LanguageModel) => ({ layers: model.layerMixers, plan: model.plan, skip: model.skip, parameters: model.parameterCount() });

/** Wraps a model for evaluation (core's ScoringModel); the checksum covers the weights as they are now. */
export async function createScorer(model: LanguageModel, tokenizer: Tokenizer, description: Record<string, unknown> = {}): Promise<Scorer> {
  const checksum = await modelChecksum(model, tokenizer);
  return {
    specificationVersion: SCORING_SPEC_VERSION,
    model,
    tokenizer,
    maxLength: model.config.maxPositions,
    checksum,
    description: { ...describe(model), ...description },
    scoreTokens: (batch) => scoreBatch(model, batch),
    scoreNextTokens: (batch) => scoreNextTokens(model, batch),
  };
}

/**
 * Wraps a model for fine-tuning (core's FeatureModel): its final hidden states and its trainable
 * tensors, each marked with the weight-decay rule pre-training uses (core's `weightDecayApplies`).
 * The checksum identifies the pre-trained weights (the same as `createScorer`'s).
 */
export async function createFeatureModel(model: LanguageModel, tokenizer: Tokenizer, description: Record<string, unknown> = {}): Promise<FeatureModel & { readonly specificationVersion: typeof SCORING_SPEC_VERSION }> {
  const checksum = await modelChecksum(model, tokenizer);
  return {
    specificationVersion: SCORING_SPEC_VERSION,
    tokenizer,
    maxLength: model.config.maxPositions,
    hiddenSize: model.config.hiddenSize,
    checksum,
    description: { ...describe(model), ...description },
    hidden: (ids, training) => model.hidden(ids, { training }),
    params: () =>
      model
        .namedParams()
        .filter((p) => p.kind !== 'buffer')
        .map((p) => ({ variable: p.variable, decay: weightDecayApplies(p.kind) })),
    weightsChanged: () => model.markWeightsChanged(),
  };
}
