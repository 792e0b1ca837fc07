/**
 * The model side of evaluation, as a structural interface: @deconattn/hybrid's LanguageModel
 * implements it, and tests implement it with small plain-JS models.
 */

export interface EvalTokenizer {
  /** Token ids of `text` with no special tokens (lm-eval's `add_special_tokens=False`). */
  encode(text: string): number[];
  decode(ids: number[]): string;
  readonly bosId: number;
  readonly eosId: number;
  /** e.g. "gpt-neox-bpe"; recorded in the results' config block. */
  readonly kind: string;
}

export interface ScoreRequest {
  /**
   * The whole sequence: inputs and targets. The model runs on `tokens[0 .. length-2]` (the last
   * token is only a target), so `tokens.length` may be up to `maxLength + 1`, as in lm-eval, where
   * the input is `(ctx + cont)[-(max_length+1):][:-1]`.
   */
  tokens: number[];
  /** First position whose next-token log-prob is wanted; 0 ≤ scoreFrom < tokens.length - 1. */
  scoreFrom: number;
}

export interface ScoreResult {
  /** logprobs[i - scoreFrom] = log p(tokens[i+1] | tokens[0..i]) for i in [scoreFrom, tokens.length-1). */
  logprobs: number[];
  /** greedy[i - scoreFrom] = (argmax of the distribution at i) === tokens[i+1]. */
  greedy: boolean[];
}

export interface NextTokenRequest {
  /** The input; the distribution after its last token is wanted. length ≤ maxLength. */
  tokens: number[];
  /** Candidate next tokens. */
  candidates: number[];
}

export interface NextTokenResult {
  /** log p(candidates[k] | tokens). */
  logprobs: number[];
  /** greedy[k] = argmax of that distribution === candidates[k]. */
  greedy: boolean[];
}

export interface ScoringModel {
  readonly tokenizer: EvalTokenizer;
  /** The model's context length (max positions): at most this many input tokens per forward pass. */
  readonly maxLength: number;
  /** Identifies weights + config; keys the answer cache. */
  readonly checksum: string;
  /** Model config block for the results JSON (plan, preset, backend…). */
  readonly description: Record<string, unknown>;
  /** Batched teacher-forced scoring; sequences are right-padded by the model as it likes. */
  scoreTokens(batch: ScoreRequest[]): Promise<ScoreResult[]>;
  /**
   * Optional fast path: several one-token continuations of the same input from one forward
   * pass (what lm-eval's "group by context" does for e.g. " yes"/" no"). Without it, each
   * continuation is a separate `scoreTokens` sequence.
   */
  scoreNextTokens?(batch: NextTokenRequest[]): Promise<NextTokenResult[]>;
}

/** lm-eval's `prefix_token_id`: BOS if the tokenizer has one, else EOS (0 for Pythia). */
export function prefixTokenId(tok: EvalTokenizer): number {
  return tok.bosId >= 0 ? tok.bosId : tok.eosId;
}
