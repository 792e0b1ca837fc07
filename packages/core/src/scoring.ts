import type * as tf from '@tensorflow/tfjs-core';

/**
 * The scoring contract: what an evaluation harness (@deconattn/eval-glue, or anyone's) needs from
 * a language model, written once here so the runtime that implements it (@deconattn/hybrid's
 * `createScorer` / `createFeatureModel`) and the harnesses that consume it share one definition
 * instead of two copies kept in step by structural typing. Versioned like the TokenMixer spec:
 * every interface is named by its version and the unversioned names alias the current one.
 */
export const SCORING_SPEC_VERSION = 'v1' as const;
export type ScoringSpecVersion = typeof SCORING_SPEC_VERSION;

/** The tokenizer side of a scored model. */
export interface ScoringTokenizerV1 {
  /** Token ids of `text` with no special tokens (lm-eval's `add_special_tokens=False`). */
  encode(text: string): number[];
  decode(ids: number[]): string;
  readonly bosId: number;
  readonly eosId: number;
  /** e.g. "byte", "pythia"; recorded in results. */
  readonly kind: string;
}

export interface ScoreRequestV1 {
  /**
   * The whole sequence: inputs and targets. The model reads `tokens[0 .. length-2]` (the last
   * token is only a target), so `tokens.length` may be up to `maxLength + 1`, as in lm-eval, where
   * the input is `(ctx + cont)[-(max_length+1):][:-1]`.
   */
  tokens: number[];
  /** First position whose next-token log-prob is wanted; 0 ≤ scoreFrom < tokens.length - 1. */
  scoreFrom: number;
}

export interface ScoreResultV1 {
  /** logprobs[i - scoreFrom] = log p(tokens[i+1] | tokens[0..i]) for i in [scoreFrom, tokens.length-1). */
  logprobs: number[];
  /** greedy[i - scoreFrom] = (argmax of the distribution at i) === tokens[i+1]. */
  greedy: boolean[];
}

export interface NextTokenRequestV1 {
  /** The input; the distribution after its last token is wanted. 1 ≤ length ≤ maxLength. */
  tokens: number[];
  /** Candidate next tokens. */
  candidates: number[];
}

export interface NextTokenResultV1 {
  /** log p(candidates[k] | tokens). */
  logprobs: number[];
  /** greedy[k] = argmax of that distribution === candidates[k]. */
  greedy: boolean[];
}

/** A model scored by teacher forcing (zero-shot evaluation, perplexity). */
export interface ScoringModelV1 {
  /** `SCORING_SPEC_VERSION` of the contract this model implements (absent = v1). */
  readonly specificationVersion?: 'v1';
  readonly tokenizer: ScoringTokenizerV1;
  /** The model's context length: at most this many input tokens per forward pass. */
  readonly maxLength: number;
  /** Identifies weights + config; keys answer caches. */
  readonly checksum: string;
  /** Model config block for results files (plan, preset, backend…). */
  readonly description: Record<string, unknown>;
  /** Batched teacher-forced scoring, one result per request, in request order. */
  scoreTokens(batch: ScoreRequestV1[]): Promise<ScoreResultV1[]>;
  /**
   * Optional fast path: several one-token continuations of the same input from one forward
   * pass (lm-eval's "group by context" for e.g. " yes"/" no"). Without it, a harness scores each
   * continuation as its own `scoreTokens` sequence.
   */
  scoreNextTokens?(batch: NextTokenRequestV1[]): Promise<NextTokenResultV1[]>;
}

/** A trainable tensor of a feature model. */
export interface FeatureParamV1 {
  variable: tf.Variable;
  /** Whether decoupled weight decay applies to it (see `weightDecayApplies`). */
  decay: boolean;
}

/** A model as fine-tuning sees it: final hidden states, differentiable with respect to its params. */
export interface FeatureModelV1 {
  readonly specificationVersion?: 'v1';
  readonly tokenizer: ScoringTokenizerV1;
  /** At most this many tokens per sequence. */
  readonly maxLength: number;
  readonly hiddenSize: number;
  /** Identifies the pre-trained weights in results. */
  readonly checksum: string;
  readonly description: Record<string, unknown>;
  /** Final hidden states B×T×d for int32 ids B×T (right-padded). Usable inside tf.variableGrads. */
  hidden(ids: tf.Tensor2D, training: boolean): tf.Tensor3D;
  /** The tensors fine-tuning trains, each saying whether weight decay applies to it. */
  params(): FeatureParamV1[];
  /** Called after the weights were changed (optimizer step, restore), e.g. to drop inference caches. */
  weightsChanged(): void;
}

export type ScoringTokenizer = ScoringTokenizerV1;
export type ScoreRequest = ScoreRequestV1;
export type ScoreResult = ScoreResultV1;
export type NextTokenRequest = NextTokenRequestV1;
export type NextTokenResult = NextTokenResultV1;
export type ScoringModel = ScoringModelV1;
export type FeatureParam = FeatureParamV1;
export type FeatureModel = FeatureModelV1;

/**
 * The weight-decay rule, in one place for pre-training and fine-tuning: decoupled weight decay
 * applies to weight matrices (`linear`) and embeddings, not to norm scales, biases, buffers or
 * other parameters (the usual GPT practice; docs/model.md, training).
 */
export function weightDecayApplies(kind: string): boolean {
  return kind === 'linear' || kind === 'embedding';
}
