import { createSha256 } from '../hash.js';
import type { LanguageModel } from './model.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { scoreBatch, scoreNextTokens, type NextTokenRequest, type NextTokenResult, type ScoreRequest, type ScoreResult } from './score.js';
import { checkpointConfig, modelTensors } from '../checkpoint/model-state.js';

/** A model with its tokenizer, as evaluation harnesses consume it (@deconattn/eval-glue's ScoringModel). */
export interface Scorer {
  readonly model: LanguageModel;
  readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  /** sha256 of the config and every weight: identifies the model for answer caches. */
  readonly checksum: string;
  readonly description: Record<string, unknown>;
  scoreTokens(batch: ScoreRequest[]): Promise<ScoreResult[]>;
  scoreNextTokens(batch: NextTokenRequest[]): Promise<NextTokenResult[]>;
}

/** Wraps a model for evaluation; the checksum covers the weights as they are now. */
export async function createScorer(model: LanguageModel, tokenizer: Tokenizer, description: Record<string, unknown> = {}): Promise<Scorer> {
  const h = createSha256();
  h.update(JSON.stringify(checkpointConfig(model, { tokenizer: tokenizer.toConfig() })));
  h.update(JSON.stringify(model.skip));
  for (const [name, t] of await modelTensors(model)) {
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const checksum = h.hex();
  return {
    model,
    tokenizer,
    maxLength: model.config.maxPositions,
    checksum,
    description: { layers: model.layerMixers, plan: model.plan, skip: model.skip, parameters: model.parameterCount(), ...description },
    scoreTokens: (batch) => scoreBatch(model, batch),
    scoreNextTokens: (batch) => scoreNextTokens(model, batch),
  };
}
