/**
 * Runs scored sequences through a ScoringModel the way lm-eval schedules them: identical requests
 * are computed once, one-token continuations of the same input share one forward pass (when the
 * model offers scoreNextTokens), and batches are formed longest first (lm-eval's Collator order:
 * by -length, then by the tokens).
 */
import { DeconattnError, turnTaker } from '@deconattn/core';
import { AnswerCache, requestKey, type Answer } from './cache.js';
import type { ScoreRequest, ScoringModel } from './model.js';

export interface RunOptions {
  batchSize: number;
  cache: AnswerCache;
  /** Called after every batch with the number of requests answered so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

function compareTokens(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const byLengthThenTokens = (a: number[], b: number[]) => b.length - a.length || compareTokens(a, b);

interface Unique {
  key: string;
  req: ScoreRequest;
  count: number;
}

export async function runRequests(model: ScoringModel, reqs: ScoreRequest[], opts: RunOptions): Promise<Answer[]> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const keys = reqs.map(requestKey);
  const uniques = new Map<string, Unique>();
  reqs.forEach((req, i) => {
    const u = uniques.get(keys[i]!);
    if (u) u.count++;
    else uniques.set(keys[i]!, { key: keys[i]!, req, count: 1 });
  });

  const total = reqs.length;
  let done = 0;
  const pending: Unique[] = [];
  for (const u of uniques.values()) {
    if (opts.cache.get(u.key)) done += u.count;
    else pending.push(u);
  }
  opts.onProgress?.(done, total);

  // One-token continuations that share an input → one scoreNextTokens entry.
  const groups = new Map<string, { input: number[]; members: Unique[] }>();
  const singles: Unique[] = [];
  for (const u of pending) {
    const oneToken = u.req.tokens.length - 1 - u.req.scoreFrom === 1;
    if (model.scoreNextTokens && oneToken) {
      const input = u.req.tokens.slice(0, -1);
      const gk = requestKey({ tokens: input, scoreFrom: -1 });
      const g = groups.get(gk);
      if (g) g.members.push(u);
      else groups.set(gk, { input, members: [u] });
    } else singles.push(u);
  }

  const finish = (items: Unique[]) => {
    opts.cache.flush();
    for (const u of items) done += u.count;
    opts.onProgress?.(done, total);
  };

  singles.sort((a, b) => byLengthThenTokens(a.req.tokens, b.req.tokens));
  // Timers and signal handlers get their turns during a long evaluation (see turnTaker).
  const takeTurn = turnTaker();
  for (let s = 0; s < singles.length; s += batchSize) {
    await takeTurn();
    const batch = singles.slice(s, s + batchSize);
    const out = await model.scoreTokens(batch.map((u) => u.req));
    if (!Array.isArray(out) || out.length !== batch.length) {
      throw new DeconattnError(`model.scoreTokens returned ${Array.isArray(out) ? out.length : typeof out} results for a batch of ${batch.length}; it must return one per sequence.`);
    }
    batch.forEach((u, i) => {
      const r = out[i]!;
      const n = u.req.tokens.length - 1 - u.req.scoreFrom;
      if (r.logprobs.length !== n || r.greedy.length !== n) {
        throw new DeconattnError(`model.scoreTokens returned ${r.logprobs.length} log-probs / ${r.greedy.length} greedy flags for a sequence of ${u.req.tokens.length} tokens scored from ${u.req.scoreFrom}; expected ${n} of each.`);
      }
      let ll = 0;
      for (const lp of r.logprobs) ll += lp;
      opts.cache.set(u.key, { ll, greedy: r.greedy.every(Boolean) });
    });
    finish(batch);
  }

  const glist = [...groups.values()].sort((a, b) => byLengthThenTokens(a.input, b.input));
  for (let s = 0; s < glist.length; s += batchSize) {
    await takeTurn();
    const batch = glist.slice(s, s + batchSize);
    const out = await model.scoreNextTokens!(batch.map((g) => ({ tokens: g.input, candidates: g.members.map((u) => u.req.tokens[u.req.tokens.length - 1]!) })));
    if (!Array.isArray(out) || out.length !== batch.length) {
      throw new DeconattnError(`model.scoreNextTokens returned ${Array.isArray(out) ? out.length : typeof out} results for a batch of ${batch.length}; it must return one per input.`);
    }
    batch.forEach((g, i) => {
      const r = out[i]!;
      if (r.logprobs.length !== g.members.length || r.greedy.length !== g.members.length) {
        throw new DeconattnError(`model.scoreNextTokens returned ${r.logprobs.length} log-probs for ${g.members.length} candidates; expected one per candidate.`);
      }
      g.members.forEach((u, k) => opts.cache.set(u.key, { ll: r.logprobs[k]!, greedy: r.greedy[k]! }));
    });
    finish(batch.flatMap((g) => g.members));
  }

  return keys.map((k) => opts.cache.get(k)!);
}
