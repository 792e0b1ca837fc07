import { describe, expect, it } from 'vitest';
import { encodePair, rollingWindows, toScoreRequest } from '../src/requests.js';
import { ToyTokenizer } from './helpers/toy.js';

const tok = new ToyTokenizer(['<|endoftext|>', 'Answer', ':', ' yes', ' no', 'A', '\n', ' ', 'Hello', ' world']);
const id = (p: string) => tok.id(p);

describe('(context, continuation) tokenisation', () => {
  it('continuation tokens are the joint encoding minus the context encoding', () => {
    expect(encodePair(tok, 'Answer:', ' yes')).toEqual({ ctx: [id('Answer'), id(':')], cont: [id(' yes')] });
    expect(encodePair(tok, 'Hello', ' world')).toEqual({ ctx: [id('Hello')], cont: [id(' world')] });
  });

  it("moves the context's trailing whitespace to the front of the continuation", () => {
    // Without the rule the context would end in a ' ' token and the continuation would be empty.
    expect(tok.encode('Answer: ')).toEqual([id('Answer'), id(':'), id(' ')]);
    expect(encodePair(tok, 'Answer: ', 'yes')).toEqual({ ctx: [id('Answer'), id(':')], cont: [id(' yes')] });
    // ReCoRD-like: a context ending in "\n" puts the newline into the continuation.
    expect(encodePair(tok, 'A\n', ' yes')).toEqual({ ctx: [id('A')], cont: [id('\n'), id(' yes')] });
  });

  it('an empty context becomes the prefix token (BOS, else EOS)', () => {
    expect(encodePair(tok, '', ' yes')).toEqual({ ctx: [0], cont: [id(' yes')] });
  });

  it('memoises the context encoding through encodeCtx', () => {
    const seen: string[] = [];
    encodePair(tok, 'Answer: ', 'no', (s) => (seen.push(s), tok.encode(s)));
    expect(seen).toEqual(['Answer:']);
  });
});

describe('left truncation to the model length', () => {
  it('keeps the last maxLength + 1 tokens and scores the continuation positions', () => {
    expect(toScoreRequest({ ctx: [1, 2, 3, 4, 5], cont: [6, 7] }, 4)).toEqual({ tokens: [3, 4, 5, 6, 7], scoreFrom: 2 });
    expect(toScoreRequest({ ctx: [1, 2], cont: [3] }, 8)).toEqual({ tokens: [1, 2, 3], scoreFrom: 1 });
  });

  it('refuses continuations that cannot be scored', () => {
    expect(() => toScoreRequest({ ctx: [1], cont: [] }, 4)).toThrow(/empty continuation/);
    expect(() => toScoreRequest({ ctx: [1], cont: [1, 2, 3, 4, 5] }, 4)).toThrow(/does not fit/);
  });
});

describe('rolling windows (loglikelihood_rolling, context_len 1)', () => {
  const toks = Array.from({ length: 10 }, (_, i) => i + 1);

  it('splits 10 tokens with L = 4 as lm-eval does', () => {
    expect(rollingWindows(toks, 0, 4)).toEqual([
      { ctx: [0], cont: [1, 2, 3, 4] },
      { ctx: [4], cont: [5, 6, 7, 8] },
      { ctx: [6, 7, 8], cont: [9, 10] },
    ]);
  });

  it('a document shorter than L is one window from the prefix token', () => {
    expect(rollingWindows([7, 8], 0, 4)).toEqual([{ ctx: [0], cont: [7, 8] }]);
    expect(rollingWindows([], 0, 4)).toEqual([]);
  });

  it('predicts every token exactly once, with inputs of at most L tokens', () => {
    for (const n of [1, 3, 4, 5, 8, 9, 17, 40]) {
      for (const L of [1, 2, 3, 4, 7]) {
        const t = Array.from({ length: n }, (_, i) => 100 + i);
        const w = rollingWindows(t, 0, L);
        expect(w.flatMap((x) => x.cont)).toEqual(t);
        w.forEach((x, k) => {
          const r = toScoreRequest(x, L);
          expect(r.tokens.length - 1).toBeLessThanOrEqual(L);
          // every window after the first conditions on what precedes its predictions
          if (k > 0) expect(x.ctx).toEqual(t.slice(t.indexOf(x.cont[0]!) - x.ctx.length, t.indexOf(x.cont[0]!)));
          // full windows have exactly one token of context
          if (k > 0 && k < w.length - 1) expect(x.ctx.length).toBe(1);
          if (k > 0) expect(x.ctx.length + x.cont.length).toBe(L + 1);
        });
      }
    }
  });
});
