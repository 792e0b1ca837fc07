/**
 * lm-eval v0.4.8's request tokenisation (HFLM, causal models): the (context, continuation) pair
 * rule, the empty-context prefix token, left truncation, and the rolling windows of
 * loglikelihood_rolling.
 */
import { DeconattnError } from '@deconattn/core';
import { prefixTokenId, type EvalTokenizer, type ScoreRequest } from './model.js';
import { pyRstrip } from './pytext.js';

/** lm-eval's (context_enc, continuation_enc). */
export interface TokenPair {
  ctx: number[];
  cont: number[];
}

/**
 * Encodes a loglikelihood request:
 * 1. empty context → ([prefix token], tok(continuation));
 * 2. otherwise trailing whitespace of the context moves to the front of the continuation, then
 *    ctx = tok(context), cont = tok(context + continuation)[len(ctx):] (joint tokenisation at the boundary).
 * `encodeCtx` may memoise tok(context) for choices that share a context.
 */
export function encodePair(tok: EvalTokenizer, context: string, continuation: string, encodeCtx: (s: string) => number[] = (s) => tok.encode(s)): TokenPair {
  if (context === '') return { ctx: [prefixTokenId(tok)], cont: tok.encode(continuation) };
  const stripped = pyRstrip(context);
  const moved = context.slice(stripped.length);
  const ctx = encodeCtx(stripped);
  const whole = tok.encode(stripped + moved + continuation);
  return { ctx, cont: whole.slice(ctx.length) };
}

/**
 * lm-eval's get_rolling_token_windows(tokens, prefix, maxLen, context_len=1) followed by
 * make_disjoint_window: the first window is ([prefix], tokens[0:L]); each later window predicts
 * the next ≤ L tokens, its context being the tokens before them so that context + prediction has
 * L + 1 tokens (one token for full windows, more for the final partial one).
 */
export function rollingWindows(tokens: number[], prefix: number, maxLen: number): TokenPair[] {
  if (!(maxLen >= 1)) throw new DeconattnError(`rolling windows need maxLength ≥ 1, got ${maxLen}`);
  if (tokens.length === 0) return [];
  const out: TokenPair[] = [];
  const first = Math.min(maxLen, tokens.length);
  out.push({ ctx: [prefix], cont: tokens.slice(0, first) });
  let predicted = first;
  while (predicted < tokens.length) {
    const n = Math.min(tokens.length - predicted, maxLen);
    const end = predicted + n;
    // input = tokens[end-L-1 : end-1]; disjoint: context = input minus the (n-1) predicted ones it holds.
    const inputStart = end - maxLen - 1;
    out.push({ ctx: tokens.slice(inputStart, end - n), cont: tokens.slice(end - n, end) });
    predicted = end;
  }
  return out;
}

/**
 * The model input of a token pair: `(ctx + cont)[-(maxLength+1):]`, whose last token is only a
 * target; scoring starts where the continuation's first token is predicted.
 */
export function toScoreRequest(pair: TokenPair, maxLength: number): ScoreRequest {
  if (pair.cont.length === 0) throw new DeconattnError('a loglikelihood request has an empty continuation after tokenisation; lm-eval cannot score it either.');
  if (pair.cont.length > maxLength) {
    throw new DeconattnError(`a continuation of ${pair.cont.length} tokens does not fit the model's context of ${maxLength} tokens.`);
  }
  const all = pair.ctx.concat(pair.cont);
  const tokens = all.length > maxLength + 1 ? all.slice(all.length - (maxLength + 1)) : all;
  const scoreFrom = tokens.length - 1 - pair.cont.length;
  if (scoreFrom < 0) throw new DeconattnError('a loglikelihood request has no context token (a whitespace-only context); give the task a non-blank prompt.');
  return { tokens, scoreFrom };
}
