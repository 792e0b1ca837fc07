import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, type NextTokenRequest, type NextTokenResult, type ScoreRequest, type ScoreResult } from '@deconattn/core';

// The request and result types are the scoring contract in @deconattn/core (scoring.ts).
export type { NextTokenRequest, NextTokenResult, ScoreRequest, ScoreResult };
import type { LanguageModel } from './model.js';
import { targetLogProbs } from './loss.js';

/** Logit elements per forward pass (B·L·V): bounds memory with a 50K vocabulary. */
const LOGIT_BUDGET = 1 << 25;

/**
 * Scores many sequences with as few forward passes as memory allows: sorted by length
 * (longest first, as lm-evaluation-harness does), right-padded, batched.
 */
export async function scoreBatch(model: LanguageModel, requests: readonly ScoreRequest[]): Promise<ScoreResult[]> {
  const maxLen = model.config.maxPositions;
  requests.forEach((r, i) => {
    if (r.tokens.length < 2) throw new DeconattnError(`Score request ${i} has ${r.tokens.length} token(s): at least 2 are needed (a context token and a token to score).`);
    if (r.tokens.length - 1 > maxLen) throw new DeconattnError(`Score request ${i} has ${r.tokens.length} tokens; the model reads at most ${maxLen} (+1 scored). Truncate or window it.`);
    if (r.scoreFrom < 0 || r.scoreFrom >= r.tokens.length - 1) throw new DeconattnError(`Score request ${i}: scoreFrom ${r.scoreFrom} is outside [0, ${r.tokens.length - 2}].`);
  });
  const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.tokens.length - requests[a]!.tokens.length);
  const results: ScoreResult[] = new Array(requests.length);
  let pos = 0;
  while (pos < order.length) {
    const len = requests[order[pos]!]!.tokens.length - 1;
    const maxBatch = Math.max(1, Math.floor(LOGIT_BUDGET / (len * model.config.vocabSize)));
    const group = order.slice(pos, pos + maxBatch);
    pos += group.length;
    const inputs = new Int32Array(group.length * len);
    const targets = new Int32Array(group.length * len);
    group.forEach((ri, b) => {
      const t = requests[ri]!.tokens;
      for (let i = 0; i < t.length - 1; i++) {
        inputs[b * len + i] = t[i]!;
        targets[b * len + i] = t[i + 1]!;
      }
    });
    const { logprobs, greedy } = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d(inputs, [group.length, len], 'int32'));
      return targetLogProbs(tf.reshape(logits, [-1, model.config.vocabSize]) as tf.Tensor2D, tf.tensor1d(targets, 'int32'));
    });
    const lp = (await logprobs.data()) as Float32Array;
    const gr = await greedy.data();
    tf.dispose([logprobs, greedy]);
    group.forEach((ri, b) => {
      const r = requests[ri]!;
      const logprobs: number[] = [];
      const greedy: boolean[] = [];
      for (let i = r.scoreFrom; i < r.tokens.length - 1; i++) {
        logprobs.push(lp[b * len + i]!);
        greedy.push(!!gr[b * len + i]);
      }
      results[ri] = { logprobs, greedy };
    });
  }
  return results;
}

export interface TextScore {
  tokens: number;
  /** Tokens scored: every token after the first. */
  scored: number;
  sumNll: number;
  meanNll: number;
  perplexity: number;
  windows: number;
}

/**
 * NLL of every token after the first given all tokens before it, in windows of the model's
 * context when the text is longer: each window predicts only new tokens and carries at least half
 * a context of preceding tokens; the last window starts as early as the model's context allows,
 * so its tokens are read with a full context rather than a shorter one.
 */
export async function scoreTokenSequence(model: LanguageModel, tokens: number[]): Promise<TextScore> {
  if (tokens.length < 2) throw new DeconattnError(`The text has ${tokens.length} token(s): scoring needs at least 2.`);
  const L = model.config.maxPositions;
  const carry = Math.floor(L / 2);
  const requests: ScoreRequest[] = [];
  let scored = 0; // index of the last token already scored (token 0 is never scored)
  while (scored < tokens.length - 1) {
    const end = Math.min(tokens.length, Math.max(0, scored - carry) + L + 1);
    const start = Math.max(0, end - L - 1);
    requests.push({ tokens: tokens.slice(start, end), scoreFrom: scored - start });
    scored = end - 1;
  }
  const results = await scoreBatch(model, requests);
  let sum = 0;
  let n = 0;
  for (const r of results) for (const lp of r.logprobs) (sum -= lp), n++;
  return { tokens: tokens.length, scored: n, sumNll: sum, meanNll: sum / n, perplexity: Math.exp(sum / n), windows: requests.length };
}

/**
 * Several one-token continuations of the same input from one forward pass (what
 * lm-evaluation-harness's grouping by context does for " yes" / " no" style answers).
 */
export async function scoreNextTokens(model: LanguageModel, requests: readonly NextTokenRequest[]): Promise<NextTokenResult[]> {
  const maxLen = model.config.maxPositions;
  const V = model.config.vocabSize;
  requests.forEach((r, i) => {
    if (r.tokens.length < 1 || r.tokens.length > maxLen) throw new DeconattnError(`Next-token request ${i} has ${r.tokens.length} tokens; give 1 to ${maxLen}.`);
    if (r.candidates.some((c) => !Number.isInteger(c) || c < 0 || c >= V)) throw new DeconattnError(`Next-token request ${i} has a candidate outside [0, ${V}).`);
  });
  const order = requests.map((_, i) => i).sort((a, b) => requests[b]!.tokens.length - requests[a]!.tokens.length);
  const results: NextTokenResult[] = new Array(requests.length);
  let pos = 0;
  while (pos < order.length) {
    const len = requests[order[pos]!]!.tokens.length;
    const maxBatch = Math.max(1, Math.floor(LOGIT_BUDGET / (len * V)));
    const group = order.slice(pos, pos + maxBatch);
    pos += group.length;
    const inputs = new Int32Array(group.length * len);
    const lastIdx = new Int32Array(group.length);
    group.forEach((ri, b) => {
      const t = requests[ri]!.tokens;
      t.forEach((id, i) => (inputs[b * len + i] = id));
      lastIdx[b] = b * len + t.length - 1;
    });
    const lp = tf.tidy(() => {
      const logits = tf.reshape(model.logits(tf.tensor2d(inputs, [group.length, len], 'int32')), [-1, V]);
      return tf.logSoftmax(tf.gather(logits, tf.tensor1d(lastIdx, 'int32')));
    });
    const data = (await lp.data()) as Float32Array;
    lp.dispose();
    group.forEach((ri, b) => {
      const row = data.subarray(b * V, (b + 1) * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (row[v]! > row[best]!) best = v;
      const cands = requests[ri]!.candidates;
      results[ri] = { logprobs: cands.map((c) => row[c]!), greedy: cands.map((c) => c === best) };
    });
  }
  return results;
}
