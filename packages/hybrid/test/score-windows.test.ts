import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { scoreBatch, scoreTokenSequence } from '../src/model/score.js';
import { microModel } from './helpers.js';

describe('windowed scoring', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('the last window reads a full context: its tokens get as much context as the model allows', async () => {
    const m = await microModel(); // maxPositions L = 12
    const tokens = Array.from({ length: 15 }, (_, i) => (i * 7 + 3) % 23);
    const s = await scoreTokenSequence(m, tokens);
    // Window 1 reads tokens 0..11 and scores 1..12; window 2 scores 13 and 14 and may read 12
    // tokens: 2..13. A window starting at 6 (half a context back) would give them 7 and 8.
    const [w1, w2] = await scoreBatch(m, [
      { tokens: tokens.slice(0, 13), scoreFrom: 0 },
      { tokens: tokens.slice(2), scoreFrom: 10 },
    ]);
    const expected = -[...w1!.logprobs, ...w2!.logprobs].reduce((a, b) => a + b, 0);
    expect(s.scored).toBe(14);
    expect(s.windows).toBe(2);
    expect(Math.abs(s.sumNll - expected)).toBeLessThan(1e-4);
    m.dispose();
  });

  it('scores every token after the first exactly once for every length', async () => {
    const m = await microModel();
    for (const n of [2, 12, 13, 14, 19, 25, 40]) {
      const tokens = Array.from({ length: n }, (_, i) => (i * 5 + 1) % 23);
      const s = await scoreTokenSequence(m, tokens);
      expect(s.scored).toBe(n - 1);
    }
    m.dispose();
  });
});
