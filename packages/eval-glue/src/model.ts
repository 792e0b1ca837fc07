/**
 * The model side of evaluation is core's scoring contract (@deconattn/core, scoring.ts):
 * @deconattn/hybrid's `createScorer` implements it, and tests implement it with small plain-JS
 * models. This package imports only its types.
 */
import type { ScoringTokenizer } from '@deconattn/core';

export type { NextTokenRequest, NextTokenResult, ScoreRequest, ScoreResult, ScoringModel, ScoringTokenizer } from '@deconattn/core';

/** The tokenizer a scored model carries: core's `ScoringTokenizer` (the older name, kept). */
export type EvalTokenizer = ScoringTokenizer;

/** lm-eval's `prefix_token_id`: BOS if the tokenizer has one, else EOS (0 for Pythia). */
export function prefixTokenId(tok: ScoringTokenizer): number {
  return tok.bosId >= 0 ? tok.bosId : tok.eosId;
}
